"""wrk (Debian package `wrk`) driven from the benchmarks: one run's requests/s, latency
percentiles and errors, with a Lua script that counts every answer whose status is not the one
expected and, when given a request() function, what each of wrk's threads sent."""

from __future__ import annotations

import re
import string
import subprocess
import tempfile

THREADS = 2

#: Given to every wrk run. wrk counts only 4xx and 5xx answers as errors; this counts every answer
#: whose status is not $expect (a page that redirected its visitor to /login is not the page).
#: $request, when given, defines request() and its set-up in init(); done() prints, for run()
#: to read, what each thread sent through request() and the answers counted.
WRK_LUA = string.Template("""\
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("position", #threads)
end

function init(args)
  sent, unexpected = 0, 0
  $init
end

function response(status, headers, body)
  if status ~= $expect then unexpected = unexpected + 1 end
end

$request

function done(summary, latency, requests)
  local sent, unexpected = {}, 0
  for _, thread in ipairs(threads) do
    table.insert(sent, thread:get("sent"))
    unexpected = unexpected + thread:get("unexpected")
  end
  io.write("script sent " .. table.concat(sent, " ") .. "\\n")
  io.write("script unexpected " .. unexpected .. "\\n")
end
""")


def run(
    url: str,
    headers: dict[str, str],
    connections: int,
    duration: int,
    expect: int = 200,
    init: str = "",
    request: str = "",
) -> dict:
    """wrk's figures for `url` with these request headers: requests/s, p50 and p99 in ms, errors
    (socket errors, and answers whose status is not `expect`), answered requests, and what each
    thread sent through a Lua `request` function (WRK_LUA)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_LUA.substitute(expect=expect, init=init, request=request))
        script.flush()
        args = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        out = subprocess.run([*args, "-s", script.name, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    counted = {k: [int(n) for n in v.split()] for k, v in re.findall(r"^script (\w+) ([\d ]+)$", out, re.M)}
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    # Non-2xx/3xx answers are among the unexpected ones already.
    errors += counted["unexpected"][0]
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": errors,
        "answered": int(re.search(r"(\d+) requests in", out).group(1)),
        "sent": counted["sent"],
    }
