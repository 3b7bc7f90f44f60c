/* Progressive enhancement. Every page works without this file. */
(function () {
  "use strict";
  // Move focus to an error summary or a result heading, so screen readers announce it first. This is
  // the only announcement: the summary is not a live region as well (it was then heard two or three times).
  // After the first frame: Chromium's first accessibility update of a page says each <select> has just
  // been chosen, and when focus had moved in that same update Orca read every list out after the
  // summary and was left on the last, in focus mode (the question editor's six "Marks" lists).
  var target = document.querySelector("[data-autofocus]");
  if (target) { requestAnimationFrame(function () { target.focus(); }); }
}());
