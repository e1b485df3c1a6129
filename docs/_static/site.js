// mnist-from-scratch: the .ipynb and .md buttons save the notebook rather than open it in a tab.
document.addEventListener("DOMContentLoaded", () => {
  const selector = "a.btn-download-notebook-button, a.btn-download-source-button";
  for (const link of document.querySelectorAll(selector)) {
    link.setAttribute("download", "");
    link.removeAttribute("target");
  }
});

// The list button of the article header opens the page's contents drawer (the theme's script
// only wires the button of the top bar, which this site's layout hides from 1200px up).
document.addEventListener("DOMContentLoaded", () => {
  const article = document.querySelector(".bd-header-article .secondary-toggle");
  const header = document.querySelector(".bd-header .secondary-toggle");
  const dialog = document.getElementById("pst-secondary-sidebar-modal");
  if (!article || !header || article === header) {
    return;
  }
  article.addEventListener("click", (event) => {
    event.preventDefault();
    if (!(dialog && dialog.open)) {
      header.click();
    }
  });
});
