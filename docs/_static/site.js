// mnist-from-scratch: the .ipynb and .md buttons save the notebook rather than open it in a tab.
document.addEventListener("DOMContentLoaded", () => {
  const selector = "a.btn-download-notebook-button, a.btn-download-source-button";
  for (const link of document.querySelectorAll(selector)) {
    link.setAttribute("download", "");
    link.removeAttribute("target");
  }
});
