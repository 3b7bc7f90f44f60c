/* Progressive enhancement. Every page works without this file. */
(function () {
  "use strict";
  // Move focus to an error summary or a result heading, so screen readers announce it first. This is
  // the only announcement: the summary is not a live region as well (it was then heard two or three times).
  var target = document.querySelector("[data-autofocus]");
  if (target) { target.focus(); }

  var video = document.getElementById("video");
  if (!video) { return; }

  // Transcript times are links to the video file at that time; here they seek the player instead.
  // Focus moves to the video, so a screen reader names it; the polite status says the new time,
  // which nothing else announces.
  var cueLinks = Array.prototype.slice.call(document.querySelectorAll("[data-seek]"));
  var status = document.getElementById("player-status");
  cueLinks.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      video.currentTime = parseFloat(link.getAttribute("data-seek"));
      video.play().catch(function () {});
      video.focus();
      if (status) {
        status.textContent = "";
        window.setTimeout(function () {
          status.textContent = status.getAttribute("data-moved").replace("{time}", link.lastChild.nodeValue.trim());
        }, 100);
      }
    });
  });

  // Resume where the learner left off.
  var start = parseFloat(video.getAttribute("data-start") || "0");
  if (start > 1) {
    video.addEventListener("loadedmetadata", function () {
      if (start < video.duration - 1) { video.currentTime = start; }
    }, { once: true });
  }

  // Mark the cue being spoken: aria-current on its link, and a bar and bold text beside it (not colour
  // alone). The transcript never scrolls itself and focus never moves: the learner reads where they are.
  var items = cueLinks.map(function (a) { return a.parentNode; });
  var times = cueLinks.map(function (a) { return parseFloat(a.getAttribute("data-seek")); });
  var current = -1;
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime, i = times.length - 1;
    while (i >= 0 && times[i] > t) { i--; }
    if (i !== current) {
      if (current >= 0) {
        items[current].classList.remove("is-current");
        cueLinks[current].removeAttribute("aria-current");
      }
      if (i >= 0) {
        items[i].classList.add("is-current");
        cueLinks[i].setAttribute("aria-current", "true");
      }
      current = i;
    }
  });

  // Remember the position (a small form post with the page's CSRF token).
  var url = video.getAttribute("data-position-url");
  var tokenInput = document.querySelector("input[name=csrf_token]");
  if (url && tokenInput && window.fetch) {
    var last = 0;
    var save = function () {
      if (Math.abs(video.currentTime - last) < 5 && !video.paused) { return; }
      last = video.currentTime;
      var body = new URLSearchParams({ seconds: String(video.currentTime), csrf_token: tokenInput.value });
      fetch(url, { method: "POST", body: body, credentials: "same-origin" }).catch(function () {});
    };
    video.addEventListener("pause", save);
    video.addEventListener("timeupdate", save);
  }
}());
