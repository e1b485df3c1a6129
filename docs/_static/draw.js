// mnist-from-scratch: "Draw a digit". A pad to draw on (mouse, pen or finger), MNIST's own
// preprocessing of the drawing (the notebooks' mnist_style) and the forward pass of the networks
// the notebooks trained and exported (helpers.export_network: a JSON description and float32
// weights), all in this file: no library, no server, nothing loaded from outside the site.
// For tests: window.mnistDemo.predict(pixels[, model]) -> ten probabilities,
// window.mnistDemo.models (the networks it can run), window.mnistDemo.ready (a promise).
(() => {
  "use strict";
  const SIZE = 280; // the pad's side: 10 of its pixels per pixel of the 28x28 input
  const NETWORKS = new URL("../networks/", document.currentScript.src);
  const networks = {};

  // (m, n) weights resizing n pixels to m, each new pixel averaging the stretch it covers.
  function areaWeights(n, m) {
    const weights = [];
    for (let j = 0; j < m; j++) {
      const row = new Float64Array(n);
      const start = (j * n) / m;
      const end = ((j + 1) * n) / m;
      for (let i = 0; i < n; i++) {
        const overlap = Math.min(end, i + 1) - Math.max(start, i);
        row[i] = overlap > 0 ? (overlap * m) / n : 0;
      }
      weights.push(row);
    }
    return weights;
  }

  // Where MNIST's digits have their centre of mass, on average (notebook 3's MNIST_CENTRE).
  const MNIST_CENTRE = 14.0;

  // The drawing as MNIST's digits were made: cropped to its ink, scaled so that the longer side
  // is 20 pixels, placed in 28x28 with its centre of mass at MNIST_CENTRE (notebook 3's mnist_style).
  function mnistStyle(drawing, size) {
    const image = new Float64Array(784);
    let top = size, bottom = -1, left = size, right = -1;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        if (drawing[r * size + c] > 0) {
          top = Math.min(top, r); bottom = Math.max(bottom, r);
          left = Math.min(left, c); right = Math.max(right, c);
        }
      }
    }
    if (bottom < 0) return image; // nothing drawn yet
    const boxH = bottom - top + 1, boxW = right - left + 1;
    const scale = 20 / Math.max(boxH, boxW);
    const h = Math.max(1, Math.floor(boxH * scale + 0.5));
    const w = Math.max(1, Math.floor(boxW * scale + 0.5));
    const byRow = areaWeights(boxH, h), byColumn = areaWeights(boxW, w);
    const tall = new Float64Array(h * boxW); // rows resized first, then columns
    for (let i = 0; i < h; i++) {
      for (let r = 0; r < boxH; r++) {
        const weight = byRow[i][r];
        if (weight === 0) continue;
        const from = (top + r) * size + left;
        for (let c = 0; c < boxW; c++) tall[i * boxW + c] += weight * drawing[from + c];
      }
    }
    const small = new Float64Array(h * w);
    let mass = 0, rowMoment = 0, columnMoment = 0;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let value = 0;
        for (let c = 0; c < boxW; c++) value += tall[i * boxW + c] * byColumn[j][c];
        small[i * w + j] = value;
        mass += value; rowMoment += i * value; columnMoment += j * value;
      }
    }
    const clamp = (v, high) => Math.min(Math.max(v, 0), high);
    const y = clamp(Math.floor(MNIST_CENTRE - rowMoment / mass + 0.5), 28 - h);
    const x = clamp(Math.floor(MNIST_CENTRE - columnMoment / mass + 0.5), 28 - w);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) image[(y + i) * 28 + x + j] = small[i * w + j];
    }
    return image;
  }

  // The forward pass of an exported network, in float64, layer by layer (see helpers.run_network).
  function forward(network, pixels) {
    let x = Float64Array.from(pixels);
    let shape = network.input_shape.length === 3 ? [28, 28, 1] : [784];
    for (const layer of network.layers) {
      if (layer.type === "dense") {
        const [inputs, outputs] = layer.weights.shape;
        const W = layer.W, out = Float64Array.from(layer.b);
        for (let i = 0; i < inputs; i++) {
          const xi = x[i];
          if (xi === 0) continue;
          const row = i * outputs;
          for (let o = 0; o < outputs; o++) out[o] += xi * W[row + o];
        }
        x = out; shape = [outputs];
      } else if (layer.type === "conv") {
        const [k, , cin, cout] = layer.weights.shape;
        const [height, width] = shape;
        const oh = height - k + 1, ow = width - k + 1;
        const W = layer.W, out = new Float64Array(oh * ow * cout);
        for (let i = 0; i < oh; i++) {
          for (let j = 0; j < ow; j++) {
            const o = (i * ow + j) * cout;
            for (let f = 0; f < cout; f++) out[o + f] = layer.b[f];
            for (let di = 0; di < k; di++) {
              for (let dj = 0; dj < k; dj++) {
                const from = ((i + di) * width + (j + dj)) * cin;
                const wFrom = (di * k + dj) * cin * cout;
                for (let c = 0; c < cin; c++) {
                  const xv = x[from + c];
                  if (xv === 0) continue;
                  const wRow = wFrom + c * cout;
                  for (let f = 0; f < cout; f++) out[o + f] += xv * W[wRow + f];
                }
              }
            }
          }
        }
        x = out; shape = [oh, ow, cout];
      } else if (layer.type === "maxpool") {
        const [height, width, channels] = shape;
        const ph = Math.floor(height / 2), pw = Math.floor(width / 2);
        const out = new Float64Array(ph * pw * channels);
        for (let i = 0; i < ph; i++) {
          for (let j = 0; j < pw; j++) {
            for (let c = 0; c < channels; c++) {
              const at = (r, q) => x[(r * width + q) * channels + c];
              out[(i * pw + j) * channels + c] = Math.max(
                at(2 * i, 2 * j), at(2 * i, 2 * j + 1), at(2 * i + 1, 2 * j), at(2 * i + 1, 2 * j + 1));
            }
          }
        }
        x = out; shape = [ph, pw, channels];
      } else if (layer.type === "relu") {
        x = x.map((v) => (v > 0 ? v : 0));
      } else if (layer.type === "flatten") {
        shape = [x.length]; // (rows, columns, channels) order already
      } else if (layer.type === "softmax") {
        const top = Math.max(...x);
        const e = x.map((v) => Math.exp(v - top));
        const sum = e.reduce((a, b) => a + b, 0);
        x = e.map((v) => v / sum);
      } else {
        throw new Error(`unknown layer type ${layer.type}`);
      }
    }
    return Array.from(x);
  }

  async function load(entry) {
    const description = await (await fetch(new URL(entry.file, NETWORKS))).json();
    const response = await fetch(new URL(description.data, NETWORKS));
    const bytes = await response.arrayBuffer();
    const view = new DataView(bytes);
    const values = new Float32Array(bytes.byteLength / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true); // little-endian
    for (const layer of description.layers) {
      if (layer.weights) {
        const part = (p) => values.subarray(p.offset, p.offset + p.shape.reduce((a, b) => a * b, 1));
        layer.W = part(layer.weights);
        layer.b = part(layer.biases);
      }
    }
    return description;
  }

  const demo = {
    models: [],
    current: null,
    predict(pixels, model) {
      const network = networks[model || demo.current];
      if (!network) throw new Error(`no network ${model || demo.current}`);
      if (pixels.length !== 784) throw new Error(`784 pixels needed, got ${pixels.length}`);
      return forward(network, pixels);
    },
    preprocess: mnistStyle,
  };
  demo.ready = fetch(new URL("index.json", NETWORKS))
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    })
    .then((index) => Promise.all(index.networks.map(load)))
    .then((loaded) => {
      for (const network of loaded) networks[network.name] = network;
      demo.models = loaded.map((network) => network.name);
      demo.current = demo.models.includes("cnn") ? "cnn" : demo.models[0] || null;
      return demo.models;
    });
  window.mnistDemo = demo;

  function buildPad(root) {
    root.innerHTML = `
      <div class="mnist-draw-pad">
        <canvas class="mnist-draw-canvas" width="${SIZE}" height="${SIZE}"
          aria-label="Draw a digit here"></canvas>
        <div class="mnist-draw-controls">
          <button type="button" class="mnist-draw-clear">Clear</button>
          <label>Network <select class="mnist-draw-model"></select></label>
        </div>
      </div>
      <div class="mnist-draw-seen">
        <canvas class="mnist-draw-input" width="28" height="28"></canvas>
        <p>what the network sees</p>
      </div>
      <div class="mnist-draw-result">
        <p class="mnist-draw-guess" aria-live="polite"></p>
        <div class="mnist-draw-bars"></div>
      </div>
      <p class="mnist-draw-status"></p>`;
    const canvas = root.querySelector(".mnist-draw-canvas");
    const pen = canvas.getContext("2d", { willReadFrequently: true });
    pen.lineWidth = SIZE / 12; // as helpers.digit_pad's pen
    pen.lineCap = "round";
    pen.lineJoin = "round";
    const bars = root.querySelector(".mnist-draw-bars");
    for (let digit = 0; digit < 10; digit++) {
      bars.insertAdjacentHTML("beforeend", `<div class="mnist-draw-bar" data-digit="${digit}">
        <span>${digit}</span><div><div class="mnist-draw-fill"></div></div><output></output></div>`);
    }
    const seen = root.querySelector(".mnist-draw-input").getContext("2d");
    const select = root.querySelector(".mnist-draw-model");
    const guess = root.querySelector(".mnist-draw-guess");
    const status = root.querySelector(".mnist-draw-status");
    let pending = false;

    function update() {
      pending = false;
      const rgba = pen.getImageData(0, 0, SIZE, SIZE).data;
      const drawing = new Float64Array(SIZE * SIZE);
      for (let i = 0; i < drawing.length; i++) drawing[i] = rgba[4 * i + 3] / 255;
      const image = mnistStyle(drawing, SIZE);
      const picture = seen.createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const grey = 255 - Math.round(255 * Math.min(1, image[i]));
        picture.data.set([grey, grey, grey, 255], 4 * i);
      }
      seen.putImageData(picture, 0, 0);
      const empty = image.every((v) => v === 0);
      const probabilities = empty || !demo.current ? null : demo.predict(image);
      const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
      bars.querySelectorAll(".mnist-draw-bar").forEach((bar, digit) => {
        const p = probabilities ? probabilities[digit] : 0;
        bar.dataset.probability = p;
        bar.classList.toggle("mnist-draw-best", digit === best);
        bar.querySelector(".mnist-draw-fill").style.width = `${100 * p}%`;
        bar.querySelector("output").textContent = probabilities ? `${(100 * p).toFixed(1)}%` : "";
      });
      guess.dataset.digit = best;
      guess.textContent = !demo.current ? "" : probabilities
        ? `The ${demo.current.toUpperCase()} reads a ${best} (${(100 * probabilities[best]).toFixed(1)}%).`
        : "Draw a digit in the box.";
    }
    const soon = () => {
      if (!pending) {
        pending = true;
        requestAnimationFrame(update);
      }
    };
    let last = null;
    const at = (event) => {
      const box = canvas.getBoundingClientRect();
      return [((event.clientX - box.left) * SIZE) / box.width,
        ((event.clientY - box.top) * SIZE) / box.height];
    };
    const line = (from, to) => {
      pen.beginPath();
      pen.moveTo(...from);
      pen.lineTo(...to);
      pen.stroke();
      soon();
    };
    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = at(event);
      line(last, last);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (last === null) return;
      const point = at(event);
      line(last, point);
      last = point;
    });
    const lift = () => { last = null; };
    canvas.addEventListener("pointerup", lift);
    canvas.addEventListener("pointercancel", lift);
    root.querySelector(".mnist-draw-clear").addEventListener("click", () => {
      pen.clearRect(0, 0, SIZE, SIZE);
      update();
    });
    select.addEventListener("change", () => {
      demo.current = select.value;
      update();
    });
    demo.ready.then((models) => {
      for (const name of models) {
        const network = networks[name];
        const option = new Option(`${name.toUpperCase()}: ${network.description || name}`, name);
        option.title = `${network.parameters.toLocaleString("en")} parameters`;
        select.add(option);
      }
      select.value = demo.current;
      if (!models.length) throw new Error("no network in the index");
      update();
    }).catch((error) => {
      select.disabled = true;
      status.textContent = "No trained network was found with this site (" + error.message
        + "): the site build copies the networks that the notebooks export into _build/networks/; "
        + "build the site again after running notebooks 3 and 8.";
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("mnist-draw");
    if (root) buildPad(root);
  });
})();
