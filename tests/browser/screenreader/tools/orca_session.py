"""One GNOME Orca + Chromium session kept open across steps, for tests that assert on what Orca says.

The same stack as `run.sh` beside this file (copied from the shared tools, see README.md): Xvfb,
a private D-Bus session bus, the AT-SPI bus, Orca logging every utterance to a file (through
`orca-logged.py`), speech-dispatcher + espeak-ng writing to the ALSA "null" device, and Debian's
Chromium with renderer accessibility on. Unlike `run.sh`, one browser stays open for many steps,
and Playwright drives it over the Chrome DevTools Protocol (go to a page, fill a field, focus an
element) while real key presses go through xdotool, so Orca hears them as a user's keys.

Every process is started here and stopped by its PID in `close()`; daemons that Orca and Chromium
spawn carry an environment marker and are found by it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"  # Orca and pyatspi are Debian's, not the venv's
NEEDED = ("Xvfb", "xdotool", "dbus-daemon", "orca", "speech-dispatcher", "chromium", "xdpyinfo", "gdbus")
_UTTERANCE = re.compile(r"^\S+ SPEECH OUTPUT: '(.*?)'(?: \{[^{}]*\}| \(say all\))?$", re.S)


def missing() -> str | None:
    """Why Orca cannot run on this machine (a sentence), or None when it can."""
    gone = [b for b in NEEDED if shutil.which(b) is None]
    if not os.path.exists("/usr/libexec/at-spi-bus-launcher"):
        gone.append("at-spi2-core")
    if (
        not os.path.exists(SYSTEM_PYTHON)
        or subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi, orca"], capture_output=True).returncode
    ):
        gone.append("python3-pyatspi/orca modules")
    if gone:
        return "Orca cannot run here, missing: " + ", ".join(gone) + " (run scripts/system-deps.sh test)"
    return None


def _free_display() -> int:
    for n in range(150, 250):
        if not os.path.exists(f"/tmp/.X{n}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            return n
    raise RuntimeError("no free X display between :150 and :249")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OrcaSession:
    """Orca listening to one Chromium window. `said()` returns the utterances since the last call."""

    def __init__(self, settle: float = 1.0):
        self.settle = settle
        self.rt = Path(tempfile.mkdtemp(prefix="orca-"))
        self.marker = f"SR_{os.getpid()}_{time.time_ns()}"
        self.procs: list[subprocess.Popen] = []
        self.speech = self.rt / "speech.log"
        self.speech.write_text("")
        self._offset = 0
        self._pw = self.browser = self.page = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    # ---------- start ----------
    def _spawn(self, args, log: str, **kw) -> subprocess.Popen:
        with open(self.rt / log, "wb") as out:  # the child keeps its own copy of the descriptor
            p = subprocess.Popen(args, env=self.env, stdout=out, stderr=subprocess.STDOUT, **kw)
        self.procs.append(p)
        return p

    def _wait(self, check, what: str, timeout: float = 15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if check():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not start within {timeout} s (logs in {self.rt})")

    def _start(self):
        rt = self.rt
        for d in ("xdg", "home/.config/speech-dispatcher", "orca-prefs", "profile"):
            (rt / d).mkdir(parents=True, exist_ok=True)
        (rt / "xdg").chmod(0o700)
        self.display = _free_display()
        self.env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "DISPLAY": f":{self.display}",
            "HOME": str(rt / "home"),
            "XDG_RUNTIME_DIR": str(rt / "xdg"),
            "XDG_CONFIG_HOME": str(rt / "home/.config"),
            "XDG_CACHE_HOME": str(rt / "home/.cache"),
            "XDG_DATA_HOME": str(rt / "home/.local/share"),
            "LANG": "C.UTF-8",
            "ACCESSIBILITY_ENABLED": "1",
            "NO_AT_BRIDGE": "0",
            "GTK_MODULES": "gail:atk-bridge",
            "ORCA_SPEECH_LOG": str(self.speech),
            "SR_MARK": self.marker,
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={rt / 'bus'}",
        }
        conf = rt / "home/.config/speech-dispatcher/speechd.conf"
        conf.write_text(
            Path("/etc/speech-dispatcher/speechd.conf").read_text()
            + '\nAudioOutputMethod "alsa"\nAudioALSADevice "null"\nDefaultModule espeak-ng\n'
        )
        # Orca's defaults, braille off (no brltty), no key echo, and no say-all when a page loads: what
        # a page announces by itself (focus, live regions) is then heard alone, and each step starts in
        # silence; tests read on with keys (KP_Add is say-all) where they need to
        subprocess.run(
            [
                SYSTEM_PYTHON,
                "-c",
                (
                    "import json, sys\nfrom orca import settings\n"
                    "g = {k: getattr(settings, k) for k in settings.userCustomizableSettings if hasattr(settings, k)}\n"
                    "g.update(enableKeyEcho=False, enableBraille=False, sayAllOnLoad=False)\n"
                    "p = {'profile': ['Default', 'default'], 'pronunciations': {}, 'keybindings': {}}\n"
                    "json.dump({'general': g, 'profiles': {'default': p}, 'pronunciations': {}, 'keybindings': {}},"
                    " open(sys.argv[1], 'w'), default=str)\n"
                ),
                str(rt / "orca-prefs/user-settings.conf"),
            ],
            check=True,
            env=self.env,
        )

        self._spawn(["Xvfb", f":{self.display}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], "xvfb.log")
        self._wait(lambda: subprocess.run(["xdpyinfo"], env=self.env, capture_output=True).returncode == 0, "Xvfb")
        self._spawn(["dbus-daemon", "--session", "--nofork", f"--address=unix:path={rt / 'bus'}"], "dbus.log")
        self._wait(lambda: (rt / "bus").exists(), "D-Bus")
        self._spawn(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"], "atspi.log")
        bus = ["gdbus", "call", "--session", "-d", "org.a11y.Bus", "-o", "/org/a11y/bus", "-m"]
        self._wait(
            lambda: (
                subprocess.run(bus + ["org.a11y.Bus.GetAddress"], env=self.env, capture_output=True).returncode == 0
            ),
            "AT-SPI bus",
        )
        subprocess.run(
            bus + ["org.freedesktop.DBus.Properties.Set", "org.a11y.Status", "IsEnabled", "<true>"],
            env=self.env,
            capture_output=True,
            check=True,
        )

        self._spawn([SYSTEM_PYTHON, str(HERE / "orca-logged.py"), "-u", str(rt / "orca-prefs")], "orca.log")
        self._wait(lambda: "Screen reader on" in self.speech.read_text(errors="replace"), "Orca", 30)

        self.cdp_port = _free_port()
        self._spawn(
            [
                "chromium",
                "--force-renderer-accessibility",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--no-default-browser-check",
                "--password-store=basic",
                f"--remote-debugging-port={self.cdp_port}",
                "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={rt / 'profile'}",
                "--window-position=0,0",
                "--window-size=1280,1000",
                # a page, not about:blank, so keyboard focus starts in the page and not the address bar
                "data:text/html,<title>Orca session</title><p>Ready.</p>",
            ],
            "chromium.log",
        )
        from tests.helpers import shared_playwright

        self._pw = shared_playwright()
        end = time.monotonic() + 30
        while True:
            try:
                self.browser = self._pw.chromium.connect_over_cdp(f"http://127.0.0.1:{self.cdp_port}")
                break
            except Exception:
                if time.monotonic() > end:
                    raise
                time.sleep(0.3)
        context = self.browser.contexts[0]
        context.set_default_timeout(15_000)
        self.page = context.pages[0] if context.pages else context.new_page()
        wid = ""
        end = time.monotonic() + 20
        while not wid and time.monotonic() < end:
            wid = (
                subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--class", "chromium"],
                    env=self.env,
                    capture_output=True,
                    text=True,
                )
                .stdout.split("\n")[0]
                .strip()
            )
            time.sleep(0.2)
        if not wid:
            raise RuntimeError(f"no Chromium window (logs in {self.rt})")
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], env=self.env, check=False, timeout=10)
        self.quiet(2.0, 20)
        self.said()

    # ---------- listen ----------
    def quiet(self, still: float | None = None, most: float = 15.0) -> None:
        """Wait until Orca has said nothing for `still` seconds (at most `most` seconds in all)."""
        still = self.settle if still is None else still
        last, since, end = -1, time.monotonic(), time.monotonic() + most
        while time.monotonic() < end:
            size = self.speech.stat().st_size
            if size != last:
                last, since = size, time.monotonic()
            elif time.monotonic() - since >= still:
                return
            time.sleep(0.1)

    def said(self) -> list[str]:
        """The utterances Orca spoke since the last call, in order."""
        with open(self.speech, encoding="utf-8", errors="replace") as f:
            f.seek(self._offset)
            text = f.read()
            self._offset = f.tell()
        out: list[str] = []
        for line in text.split("\n"):
            m = _UTTERANCE.match(line)
            if m:
                out.append(m.group(1).strip())
            elif line and out:  # a multi-line utterance
                out[-1] += " " + line.strip()
        out = [" ".join(u.split()) for u in out if u]  # no-break spaces and newlines as plain spaces
        if out and os.environ.get("SR_ECHO"):  # SR_ECHO=1 pytest -s: print what Orca said
            print("ORCA:", " | ".join(out), flush=True)
        return out

    # ---------- act ----------
    def _loaded(self, listen: float) -> list[str]:
        """After a page load: wait for Orca's "Finished loading", listen `listen` seconds more (the
        focused element, the page summary, the start of Orca's say-all), then stop speech with the
        Control key as a user would, so the next step starts in silence."""
        heard: list[str] = []
        end = time.monotonic() + 25
        while time.monotonic() < end and not any(u.startswith("Finished loading") for u in heard):
            time.sleep(0.2)
            heard += self.said()
        time.sleep(listen)
        heard += self.said()
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl"], env=self.env, check=True, timeout=10)
        self.quiet(1.0, 10)
        return heard + self.said()

    def goto(self, url: str, listen: float = 3.0) -> list[str]:
        """Load a page; return what Orca said as it loaded and in the `listen` seconds after."""
        self.said()
        self.page.goto(url)
        return self._loaded(listen)

    def do(self, action, loads: bool = False, listen: float = 3.0, still: float = 1.5) -> list[str]:
        """Run `action(page)` (a click, a focus...) and return what Orca said after it; `loads`: the
        action loads a page (then as `goto`)."""
        self.said()
        action(self.page)
        if loads:
            return self._loaded(listen)
        self.quiet(still, 15)
        return self.said()

    def keys(self, *names: str, still: float | None = None, most: float = 15.0, fresh: bool = True) -> list[str]:
        """Press keys (xdotool names, e.g. "Tab", "h", "Insert+Tab") as a user would; return what Orca said
        (`fresh=False`: with what it was still saying from the step before)."""
        if fresh:
            self.said()
        for name in names:
            subprocess.run(["xdotool", "key", "--clearmodifiers", name], env=self.env, check=True, timeout=10)
            self.quiet(still, most)
        return self.said()

    # ---------- stop ----------
    def _ours(self) -> list[int]:
        found = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) == os.getpid():
                continue
            try:
                if f"SR_MARK={self.marker}".encode() in (d / "environ").read_bytes().split(b"\0"):
                    found.append(int(d.name))
            except OSError:
                pass
        return found

    def close(self) -> None:
        for obj in (self.browser,):
            with contextlib.suppress(Exception):
                obj and obj.close()
        with contextlib.suppress(Exception):
            self._pw = None  # the process's shared driver stays up for other tests
        # Chromium and Orca first (Orca needs the buses while it shuts down), then the buses and X
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=8)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        for pid in self._ours():  # speech-dispatcher, at-spi2-registryd, dconf, crashpad...
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        time.sleep(0.5)
        for pid in self._ours():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.rt, ignore_errors=True)


def joined(utterances: list[str]) -> str:
    """The utterances as one string, for `in` checks."""
    return " | ".join(utterances)


def times(utterances: list[str], phrase: str) -> int:
    """How many times `phrase` was spoken (counted across all utterances)."""
    return sum(u.count(phrase) for u in utterances)


if __name__ == "__main__":  # a quick manual check: python orca_session.py URL
    import sys

    s = OrcaSession()
    try:
        print(json.dumps(s.goto(sys.argv[1]), indent=1, ensure_ascii=False))
    finally:
        s.close()
