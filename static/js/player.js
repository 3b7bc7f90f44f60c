/* The unit page's player (issue 12), loaded only where there is a video. Progressive enhancement:
   without this file the page still has the video, captions, transcript, descriptions and chapters
   as text, and the settings form. Settings come from data- attributes the server wrote. */
(function () {
  "use strict";
  var video = document.getElementById("video");
  var box = document.getElementById("player");
  if (!video || !box) { return; }
  var data = function (name) { return box.getAttribute("data-" + name); };
  var status = document.getElementById("player-status");
  var live = document.getElementById("description-live");
  var settingsForm = document.querySelector("#player-settings form");
  var tokenInput = document.querySelector("input[name=csrf_token]");

  // Keep a choice made with the player's own controls, through the settings form (same checks,
  // same CSRF token); "quiet" asks for no flash message on the next page.
  var remember = function (name, value) {
    if (!settingsForm || !window.fetch) { return; }
    var field = settingsForm.elements[name];
    if (!field) { return; }
    if (field.type === "checkbox") { field.checked = value; } else { field.value = String(value); }
    var body = new FormData(settingsForm);
    body.append("quiet", "1");
    fetch(settingsForm.action, { method: "POST", body: body, credentials: "same-origin" }).catch(function () {});
  };

  var say = function (text) {
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 100);
  };

  // Times in the transcript and chapters are links to the video file at that time; here they seek
  // the player. Focus moves to the video, so a screen reader names it; the polite status says the
  // new time, which nothing else announces.
  Array.prototype.forEach.call(document.querySelectorAll("[data-seek]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      video.currentTime = parseFloat(link.getAttribute("data-seek"));
      video.play().catch(function () {});
      video.focus();
      var time = link.querySelector(".muted") || link;
      say(status.getAttribute("data-moved").replace("{time}", time.lastChild.nodeValue.replace(/[()]/g, "").trim()));
    });
  });

  // Resume where the learner left off.
  var start = parseFloat(video.getAttribute("data-start") || "0");
  if (start > 1) {
    video.addEventListener("loadedmetadata", function () {
      if (start < video.duration - 1) { video.currentTime = start; }
    }, { once: true });
  }

  // Speed: the learner's saved speed, and a native select beside the video.
  var speedSelect = document.getElementById("player-speed");
  var speeds = Array.prototype.map.call(speedSelect.options, function (o) { return parseFloat(o.value); });
  var setSpeed = function (rate, keep) {
    video.playbackRate = video.defaultPlaybackRate = rate;
    speedSelect.value = String(rate);
    if (keep) { remember("speed", rate); }
  };
  setSpeed(parseFloat(data("speed")) || 1, false);
  video.addEventListener("loadedmetadata", function () { video.playbackRate = parseFloat(speedSelect.value); });
  speedSelect.addEventListener("change", function () { setSpeed(parseFloat(speedSelect.value), true); });
  box.querySelector(".player-controls").hidden = false;

  // A second caption language, shown with the first: browsers stack the two tracks' cues.
  var second = data("second");
  var descriptionTracks = [];
  Array.prototype.forEach.call(video.textTracks, function (track) {
    if (second && track.language === second && (track.kind === "captions" || track.kind === "subtitles")) {
      track.mode = "showing";
    }
    if (track.kind === "descriptions") { descriptionTracks.push(track); }
  });
  // A unit may have descriptions in several languages: voice the ones the server chose for this
  // learner (in the transcript's language, which the live region is marked with), not the first.
  var descriptionTrack = descriptionTracks.filter(function (track) {
    return live && track.language === live.lang;
  })[0] || descriptionTracks[0] || null;

  // Mark the current cue in the transcript and the current chapter: aria-current on its link, and a
  // bar and bold text beside it (not colour alone). Focus never moves; the transcript scrolls itself
  // only when the learner asked for it and their focus is not inside it.
  var list = document.getElementById("transcript");
  var follow = function (links) {
    links = Array.prototype.slice.call(links);
    var times = links.map(function (a) { return parseFloat(a.getAttribute("data-seek")); });
    var current = -1;
    return function (t, scroll) {
      var i = times.length - 1;
      while (i >= 0 && times[i] > t) { i--; }
      if (i === current) { return; }
      if (current >= 0) {
        links[current].parentNode.classList.remove("is-current");
        links[current].removeAttribute("aria-current");
      }
      if (i >= 0) {
        links[i].parentNode.classList.add("is-current");
        links[i].setAttribute("aria-current", "true");
        if (scroll && list && data("autoscroll") === "on" && !list.contains(document.activeElement)) {
          list.scrollTop = links[i].parentNode.offsetTop - list.clientHeight / 3;
        }
      }
      current = i;
    };
  };
  var transcriptAt = follow(document.querySelectorAll(".transcript [data-seek]"));
  var chapterAt = follow(document.querySelectorAll(".chapters [data-seek]"));
  video.addEventListener("timeupdate", function () {
    transcriptAt(video.currentTime, true);
    chapterAt(video.currentTime, false);
  });

  // Audio description: the descriptions track's cues, read at their times by the learner's screen
  // reader (a polite live region) or the browser's speech synthesis; with extended description the
  // video waits until the description has been read.
  var toggle = document.getElementById("descriptions-toggle");
  var describing = data("descriptions") === "on";
  var heldForDescription = false;
  // A description that starts while another is still on changes the active cues too: read only
  // the cues that were not on at the last change, so each is read once.
  var described = [];
  var resume = function () {
    if (heldForDescription) { heldForDescription = false; video.play().catch(function () {}); }
  };
  var announce = function (text, extended) {
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
    // A screen reader does not say when it has finished: allow for reading at about 180 words a minute.
    if (extended) { window.setTimeout(resume, 1000 + text.split(/\s+/).length * 333); }
  };
  var describe = function (text) {
    var extended = data("extended") === "on" && !video.paused;
    if (extended) { heldForDescription = true; video.pause(); }
    if (data("voice") === "speech" && window.speechSynthesis) {
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = descriptionTrack.language;
      utterance.onend = resume;
      utterance.onerror = function (event) {
        // Stopped on purpose (descriptions turned off, or the next one): nothing is lost.
        if (event.error === "interrupted" || event.error === "canceled") { resume(); return; }
        // A browser with no voice (for this language, or at all) fails at once: the description
        // still reaches the learner, through the screen reader's live region.
        announce(text, heldForDescription);
      };
      window.speechSynthesis.speak(utterance);
    } else {
      announce(text, extended);
    }
  };
  video.addEventListener("play", function () { heldForDescription = false; });
  var setDescriptions = function (on, keep) {
    describing = on;
    if (descriptionTrack) { descriptionTrack.mode = on ? "hidden" : "disabled"; }
    if (toggle) { toggle.setAttribute("aria-pressed", on ? "true" : "false"); }
    if (!on) { described = []; }  // turned on again during a description, it is read again
    if (!on && window.speechSynthesis) { window.speechSynthesis.cancel(); }
    if (keep) { remember("descriptions", on); }
  };
  if (descriptionTrack && toggle) {
    descriptionTrack.addEventListener("cuechange", function () {
      var active = Array.prototype.slice.call(descriptionTrack.activeCues || []);
      var fresh = active.filter(function (cue) { return described.indexOf(cue) < 0; });
      described = active;
      if (!describing) { return; }
      fresh.forEach(function (cue) {
        describe(cue.getCueAsHTML ? cue.getCueAsHTML().textContent : cue.text);
      });
    });
    toggle.addEventListener("click", function () { setDescriptions(!describing, true); });
    setDescriptions(describing, false);
  }

  // Keyboard shortcuts, only while the video itself has focus, so they never take a key from a
  // screen reader's browse mode or from a form field. Listed on the page ("Keyboard shortcuts").
  video.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var i = speeds.indexOf(video.playbackRate);
    switch (event.key) {
      case "k": if (video.paused) { video.play().catch(function () {}); } else { video.pause(); } break;
      case "j": video.currentTime = Math.max(0, video.currentTime - 5); break;
      case "l": video.currentTime = Math.min(video.duration || 0, video.currentTime + 5); break;
      case "<": if (i > 0) { setSpeed(speeds[i - 1], true); say(speedSelect.options[i - 1].text); } break;
      case ">": if (i >= 0 && i < speeds.length - 1) { setSpeed(speeds[i + 1], true); say(speedSelect.options[i + 1].text); } break;
      case "d": if (toggle) { toggle.click(); say(toggle.getAttribute(describing ? "data-on" : "data-off")); } break;
      default: return;
    }
    event.preventDefault();
  });

  // Remember the position (a small form post with the page's CSRF token).
  var url = video.getAttribute("data-position-url");
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
