// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so that screen readers announce what needs fixing.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});

// Uploads sent by htmx report their progress: a large photo over a slow phone connection can take a minute.
function uploadProgress(event) {
  var form = event.target.closest ? event.target.closest("[data-upload-progress]") : null;
  if (!form) { return; }
  var box = form.querySelector(".upload-progress");
  var bar = box ? box.querySelector("progress") : null;
  if (!bar) { return; }
  box.hidden = false;
  if (event.type === "htmx:xhr:progress" && event.detail.lengthComputable && event.detail.total > 0) {
    bar.value = Math.round(event.detail.loaded * 100 / event.detail.total);
  }
}
document.addEventListener("htmx:beforeRequest", uploadProgress);
// A new upload makes the previous one's "uploaded" banner stale: it would stand above this one's refusal.
document.addEventListener("htmx:beforeRequest", function (event) {
  if (event.target.closest && event.target.closest("[data-upload-progress]")) {
    document.querySelectorAll(".messages").forEach(function (box) { box.remove(); });
  }
});
document.addEventListener("htmx:xhr:progress", uploadProgress);
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target.closest ? event.target.closest("[data-upload-progress]") : null;
  var box = form ? form.querySelector(".upload-progress") : null;
  if (box && !event.detail.successful) { box.hidden = true; }
});
// After an htmx swap that brought back an error, focus it as a full page load would.
document.addEventListener("htmx:afterSettle", function (event) {
  var summary = event.target.querySelector ? event.target.querySelector("#error-summary") : null;
  if (summary) { summary.focus(); }
});
