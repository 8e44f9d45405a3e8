// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so that screen readers announce what needs fixing.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
