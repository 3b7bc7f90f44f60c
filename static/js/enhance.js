/* Progressive enhancement. Every page works without this file. */
(function () {
  "use strict";
  // Move focus to an error summary or a result heading, so screen readers announce it first. This is
  // the only announcement: the summary is not a live region as well (it was then heard two or three times).
  var target = document.querySelector("[data-autofocus]");
  if (target) { target.focus(); }
}());
