#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The playground in a real browser: Debian's chromium, headless, driven through the DevTools protocol.

    python3 web/tests/browser_test.py --web <build>/playground --native <native ch10_adam_spiral>
                                      [--chromium PATH] [--screenshot FILE.png] [--timeout SECONDS]

Python's standard library only (no npm package, no WebSocket): chromium is started with
--remote-debugging-pipe, which reads protocol commands from its file descriptor 3 and writes replies and events
to its file descriptor 4, each message a JSON text ended by a NUL byte. The page is served from a local
http.server on a free port.

Checks: book mode's whole log (101 lines, to epoch 10000) equals what the native ch10_adam_spiral prints; the
decision-region canvas, read back from a screenshot (a PNG decoded here with zlib), shows the three class
colours in plausible shares; a changed control restarts training with the new setting; no console error, no
uncaught exception, no error in the browser's log, in the page or in its worker. Prints the epochs per second.

Exit status: 0 when every check passed, 1 when one failed (or no chromium is installed and the environment
has NNB_REQUIRE_BROWSER_TEST=1), 77 when no chromium is installed (skipped), 2 for a usage error or a program
that cannot be run. Chromium and the server are always stopped, also on a failure or an interrupt.
"""

import argparse
import base64
import functools
import http.server
import json
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

# The class colours of web/app.js (COLOURS): the regions are tints of them, white mixed with the colour.
CLASS_COLOURS = [(214, 39, 40), (44, 160, 44), (31, 119, 180)]
VIEWPORT = (1280, 1000)
# The exit status when no browser is installed (ctest's SKIP_RETURN_CODE), unless NNB_REQUIRE_BROWSER_TEST=1.
SKIPPED = 77


class TestFailure(Exception):
    """A check or a step that cannot go on (a time-out, a browser that went away)."""


# ---------------------------------------------------------------------------------------------------------
# The static server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the playground folder; no request log on stderr, and .wasm as application/wasm."""

    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map)
    extensions_map.update({".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript"})

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def start_server(directory):
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    return server


# ---------------------------------------------------------------------------------------------------------
# The browser and the DevTools protocol over the pipe


def find_chromium(explicit):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """Chromium with --remote-debugging-pipe; call() sends a command and waits for its reply."""

    def __init__(self, executable, profile):
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        args = [
            executable,
            "--headless=new",
            "--remote-debugging-pipe",
            "--no-sandbox",  # needed as root (CI's fresh root); the page is our own
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--mute-audio",
            # A worker in a background-looking tab must not be slowed down.
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows",
            "--user-data-dir=" + profile,
            "--window-size=%d,%d" % VIEWPORT,
            "about:blank",
        ]

        def child_fds():
            # The browser reads commands from fd 3 and writes to fd 4. Move both ends above 4 first, so that
            # neither dup2 overwrites the other.
            a = os.dup(to_browser_r) if to_browser_r < 5 else to_browser_r
            b = os.dup(from_browser_w) if from_browser_w < 5 else from_browser_w
            os.dup2(a, 3)
            os.dup2(b, 4)

        # Launched before any thread of ours runs (preexec_fn and threads do not mix).
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     pass_fds=(3, 4), preexec_fn=child_fds, start_new_session=True)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.out = to_browser_w
        self.inp = from_browser_r
        self.next_id = 0
        self.write_lock = threading.Lock()
        self.replies = {}
        self.reply_ready = threading.Condition()
        self.handlers = []
        self.closed = False
        self.reader = threading.Thread(target=self._read, name="cdp", daemon=True)
        self.reader.start()

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self.inp, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if "id" in message:
                    with self.reply_ready:
                        self.replies[message["id"]] = message
                        self.reply_ready.notify_all()
                else:
                    for handler in self.handlers:
                        handler(message)
        with self.reply_ready:
            self.closed = True
            self.reply_ready.notify_all()

    def send(self, method, params=None, session=None):
        """Sends a command without waiting; returns its id."""
        with self.write_lock:
            self.next_id += 1
            message = {"id": self.next_id, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            data = json.dumps(message).encode() + b"\0"
            try:
                while data:
                    data = data[os.write(self.out, data):]
            except OSError as e:
                raise TestFailure("cannot send %s to the browser: %s" % (method, e)) from e
            return self.next_id

    def call(self, method, params=None, session=None, timeout=30.0):
        """Sends a command and returns its result; raises TestFailure on an error reply or a time-out."""
        ident = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        with self.reply_ready:
            while ident not in self.replies:
                left = deadline - time.monotonic()
                if self.closed:
                    raise TestFailure("the browser went away while waiting for %s%s" % (method, self.tail()))
                if left <= 0:
                    raise TestFailure("no reply to %s within %.0f s" % (method, timeout))
                self.reply_ready.wait(left)
            reply = self.replies.pop(ident)
        if "error" in reply:
            raise TestFailure("%s failed: %s" % (method, reply["error"].get("message", reply["error"])))
        return reply.get("result", {})

    def tail(self):
        try:
            self.log.seek(0)
            text = self.log.read().decode(errors="replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return "; chromium's last output:\n  " + "\n  ".join(text[-15:]) if text else ""

    def close(self):
        """Asks the browser to quit, then kills its whole process group if it has not within 5 s."""
        if self.proc.poll() is None:
            try:
                self.send("Browser.close")
            except TestFailure:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # The renderer and GPU processes share the launcher's session (start_new_session): none outlives it.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.out, self.inp):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()


class Page:
    """One tab, attached through a flat session; collects console errors of the page and its workers."""

    def __init__(self, browser):
        self.browser = browser
        self.errors = []
        self.lock = threading.Lock()
        self.sessions = set()
        browser.handlers.append(self._event)
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.sessions.add(self.session)
        self.cmd("Emulation.setDeviceMetricsOverride",
                 {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False})
        # Every worker the page starts is attached too, paused until its console is watched.
        self.cmd("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True})
        for domain in ("Page", "Runtime", "Log"):
            self.cmd(domain + ".enable")

    def cmd(self, method, params=None, timeout=30.0):
        return self.browser.call(method, params, self.session, timeout)

    def _event(self, message):
        method = message.get("method", "")
        params = message.get("params", {})
        session = message.get("sessionId")
        if method == "Target.attachedToTarget":
            child = params["sessionId"]
            kind = params.get("targetInfo", {}).get("type", "?")
            with self.lock:
                self.sessions.add(child)
            # Sent from the reader thread without waiting for the replies (they arrive on this thread).
            self.browser.send("Runtime.enable", session=child)
            self.browser.send("Log.enable", session=child)
            if kind in ("worker", "service_worker", "shared_worker"):
                self.browser.send("Target.setAutoAttach",
                                  {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}, child)
            self.browser.send("Runtime.runIfWaitingForDebugger", session=child)
            return
        with self.lock:
            if session not in self.sessions:
                return
        where = "page" if session == self.session else "worker"
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(describe_remote(a) for a in params.get("args", []))
            self._error("console.%s in the %s: %s" % (params["type"], where, text))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exc = details.get("exception")
            text = describe_remote(exc) if exc else details.get("text", "?")
            self._error("uncaught exception in the %s: %s (%s:%s)" % (where, text, details.get("url", "?"),
                                                                    details.get("lineNumber", "?")))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                self._error("browser log error (%s) in the %s: %s %s" % (entry.get("source"), where,
                                                                          entry.get("text"), entry.get("url", "")))

    def _error(self, text):
        with self.lock:
            self.errors.append(text)

    def evaluate(self, expression, timeout=30.0):
        """The value of a JavaScript expression in the page (awaited if a promise); raises on an exception."""
        result = self.cmd("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            exc = details.get("exception")
            raise TestFailure("evaluating %r threw %s" % (expression[:80], describe_remote(exc) if exc
                                                          else details.get("text")))
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout, what, poll=0.25):
        """Polls a JavaScript expression until it is truthy; raises TestFailure naming `what` after timeout s."""
        deadline = time.monotonic() + timeout
        while True:
            if self.evaluate(expression):
                return
            if time.monotonic() > deadline:
                status = self.evaluate("(document.getElementById('status') || {}).textContent")
                raise TestFailure("timed out after %.0f s waiting for %s (status line: %r)" % (timeout, what, status))
            if self.browser.proc.poll() is not None:
                raise TestFailure("the browser exited while waiting for %s%s" % (what, self.browser.tail()))
            time.sleep(poll)

    def box(self, selector):
        """The element's content box in CSS pixels of the viewport, after scrolling it into view."""
        box = self.evaluate("""(() => {
            const e = document.querySelector(%s);
            if (!e) return null;
            e.scrollIntoView({block: 'center', inline: 'center'});
            const r = e.getBoundingClientRect();
            return {x: r.left + e.clientLeft, y: r.top + e.clientTop, width: e.clientWidth, height: e.clientHeight,
                    left: r.left, top: r.top, w: r.width, h: r.height};
        })()""" % json.dumps(selector))
        if not box:
            raise TestFailure("no element %s on the page" % selector)
        return box

    def click(self, selector):
        """A real mouse click (press and release) in the middle of the element."""
        b = self.box(selector)
        x, y = b["left"] + b["w"] / 2, b["top"] + b["h"] / 2
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left" if kind != "mouseMoved" else "none"}
            if kind != "mouseMoved":
                params["clickCount"] = 1
            self.cmd("Input.dispatchMouseEvent", params)

    def type_into(self, selector, text):
        """Replaces an input's text as typing would, then leaves the field (which fires its change event)."""
        self.click(selector)
        self.evaluate("document.querySelector(%s).select()" % json.dumps(selector))
        self.cmd("Input.insertText", {"text": text})
        self.evaluate("document.activeElement.blur()")

    def screenshot(self, clip=None, full_page=False):
        params = {"format": "png", "captureBeyondViewport": full_page}
        if clip:
            params["clip"] = dict(clip, scale=1)
        elif full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        return base64.b64decode(self.cmd("Page.captureScreenshot", params, timeout=60)["data"])


def describe_remote(obj):
    if obj is None:
        return "?"
    if "value" in obj:
        return str(obj["value"])
    return obj.get("description") or obj.get("unserializableValue") or obj.get("type", "?")


# ---------------------------------------------------------------------------------------------------------
# PNG decoding (8-bit RGB or RGBA, not interlaced: what chromium writes)


def decode_png(data):
    """Returns (width, height, rows), each row a bytes object of RGB triples."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise TestFailure("the screenshot is not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise TestFailure("the screenshot has no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise TestFailure("unexpected PNG format: depth %d, colour type %d, interlace %d" % (depth, colour, interlace))
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise TestFailure("the PNG's image data has %d bytes, not %d" % (len(raw), height * (stride + 1)))
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        unfilter(kind, line, previous, channels)
        rgb = line if channels == 3 else bytearray(v for i, v in enumerate(line) if i % 4 != 3)
        rows.append(bytes(rgb))
        previous = line
    return width, height, rows


def unfilter(kind, line, prev, bpp):
    """Reverses one scanline's PNG filter in place (filter types 0 to 4 of the PNG specification)."""
    n = len(line)
    if kind == 0:
        return
    if kind == 1:  # Sub
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif kind == 2:  # Up
        for i in range(n):
            line[i] = (line[i] + prev[i]) & 0xFF
    elif kind == 3:  # Average
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(n):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            if pa <= pb and pa <= pc:
                pred = a
            elif pb <= pc:
                pred = b
            else:
                pred = c
            line[i] = (line[i] + pred) & 0xFF
    else:
        raise TestFailure("unknown PNG filter type %d" % kind)


def colour_shares(rows, width, height):
    """The share of the pixels whose tint points to each class colour: 255 - pixel parallel to 255 - colour
    (cosine above 0.97), pixels within 20 of white left out of every class but counted in the total."""
    directions = []
    for colour in CLASS_COLOURS:
        v = [255 - c for c in colour]
        n = math.sqrt(sum(x * x for x in v))
        directions.append([x / n for x in v])
    counts = [0] * len(CLASS_COLOURS)
    cache = {}
    for row in rows:
        for i in range(0, 3 * width, 3):
            pixel = row[i:i + 3]
            best = cache.get(pixel)
            if best is None:
                v = [255 - pixel[0], 255 - pixel[1], 255 - pixel[2]]
                n = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
                best = -1
                if n >= 20:
                    best_cos = 0.97
                    for j, d in enumerate(directions):
                        cos = (v[0] * d[0] + v[1] * d[1] + v[2] * d[2]) / n
                        if cos > best_cos:
                            best_cos, best = cos, j
                cache[pixel] = best
            if best >= 0:
                counts[best] += 1
    total = width * height
    return [c / total for c in counts]


# ---------------------------------------------------------------------------------------------------------
# The test


class Checks:
    def __init__(self):
        self.failures = 0

    def __call__(self, ok, what):
        print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
        if not ok:
            self.failures += 1


def stages(page, port, check, opt, expected):
    """Book mode, the regions, a changed control; a step that cannot go on raises TestFailure."""
    page.cmd("Page.navigate", {"url": "http://127.0.0.1:%d/index.html" % port})
    page.wait_for("window.playground !== undefined && window.playground.ready === true", 60,
                  "the WebAssembly module to load (window.playground.ready)")

    # Book mode to epoch 10000.
    t0 = time.monotonic()
    page.click("#book")
    page.wait_for("window.playground.running === true || window.playground.finished === true", 30,
                  "book mode to start")
    page.wait_for("window.playground.finished === true", opt.timeout, "book mode to reach epoch 10000")
    wall = time.monotonic() - t0
    result = page.evaluate("""({lines: window.playground.logLines, finalLine: window.playground.finalLine,
        eps: window.playground.epochsPerSecond, log: document.getElementById('log').textContent})""")
    log_lines = result["log"].rstrip().split("\n")
    print("browser final line: %s" % log_lines[-1])
    print("native  final line: %s" % expected[-1], flush=True)
    check(log_lines[-1] == expected[-1], "the final log line equals the native program's")
    check(result["finalLine"] == expected[-1], "the worker's last line equals it too")
    same = len(log_lines) == len(expected) and all(a == b for a, b in zip(log_lines, expected))
    if not same:
        for i, (a, b) in enumerate(zip(log_lines, expected)):
            if a != b:
                print("  first difference, line %d:\n    browser: %s\n    native:  %s" % (i + 1, a, b))
                break
    check(same, "all %d log lines equal the native program's (the page has %d)" % (len(expected), len(log_lines)))
    print("epochs per second in the browser: %.0f (training only); 10001 epochs in %.1f s wall clock "
          "including drawing, %.0f epochs/s" % (result["eps"], wall, 10001 / wall), flush=True)

    # The decision regions, read back from a screenshot of the canvas's content box.
    box = page.box("#regions")
    scroll = page.evaluate("[window.scrollX, window.scrollY]")
    clip = {"x": box["x"] + scroll[0], "y": box["y"] + scroll[1], "width": box["width"], "height": box["height"]}
    width, height, rows = decode_png(page.screenshot(clip=clip))
    print("regions screenshot: %d x %d pixels" % (width, height))
    if opt.screenshot:
        page.evaluate("window.scrollTo(0, 0)")
        with open(opt.screenshot, "wb") as f:
            f.write(page.screenshot(full_page=True))
        print("page screenshot written to %s" % opt.screenshot)
    shares = colour_shares(rows, width, height)
    print("class colour shares of the regions: %s" % ", ".join("%.1f %%" % (100 * s) for s in shares), flush=True)
    check(width >= 100 and height >= 100, "the canvas screenshot is at least 100 x 100 pixels")
    check(all(0.2 < s < 0.47 for s in shares), "each class colour covers 20 % to 47 % of the regions")
    check(sum(shares) > 0.9, "the three colours cover more than 90 % of the canvas")

    # A changed control restarts training with the new setting: book mode again, then a learning rate of 0.02
    # typed in while it runs.
    page.click("#book")
    page.wait_for("window.playground.history.length >= 3", 60, "book mode's second run to log 3 lines")
    page.type_into("#lr", "0.02")
    try:
        page.wait_for("window.playground.logLines.length >= 3 && "
                      "window.playground.logLines[0].endsWith('lr: 0.02')", 60, "training to restart with lr 0.02")
    except TestFailure:
        print("  the page then: %s" % page.evaluate("""JSON.stringify({lr: document.getElementById('lr').value,
            summary: document.getElementById('summary').textContent, lines: window.playground.logLines.slice(0, 3),
            running: window.playground.running})"""))
        raise
    restarted = page.evaluate("""({lines: window.playground.logLines.slice(0, 3),
        summary: document.getElementById('summary').textContent, running: window.playground.running,
        lr: document.getElementById('lr').value})""")
    print("after the change: %s\n  %s" % (restarted["summary"], "\n  ".join(restarted["lines"])), flush=True)
    check(restarted["lr"] == "0.02", "the learning-rate field holds the typed 0.02")
    check(restarted["lines"][0] == "epoch: 0, acc: 0.360, loss: 1.099, lr: 0.02",
          "training restarted from epoch 0 with lr 0.02")
    check(restarted["lines"][1].startswith("epoch: 100,") and restarted["lines"][1] != expected[1],
          "and goes on with the new rate (epoch 100 differs from book mode's)")
    check("lr 0.02" in restarted["summary"] and restarted["running"] is True,
          "the summary shows the new rate; still running")
    page.click("#pause")
    page.wait_for("window.playground.running === false", 10, "the pause button to stop training")


def run(opt, chromium, expected):
    check = Checks()
    profile = tempfile.mkdtemp(prefix="nnb-chromium-")
    browser = server = None
    try:
        # The browser first: it is started with a preexec_fn, which must not run while other threads do.
        browser = Browser(chromium, profile)
        server = start_server(opt.web)
        port = server.server_address[1]
        version = browser.call("Browser.getVersion", timeout=60)
        print("browser: %s, page served on http://127.0.0.1:%d/" % (version.get("product", "?"), port), flush=True)
        page = Page(browser)
        try:
            stages(page, port, check, opt, expected)
        except TestFailure as e:
            check(False, str(e))
        # Whatever happened above: the console, the exceptions and the browser's log of the page and its worker.
        time.sleep(0.5)  # late console messages
        with page.lock:
            errors = list(page.errors)
        check(not errors, "no console error, exception or browser log error" +
              (":\n  " + "\n  ".join(errors) if errors else ""))
    finally:
        if browser is not None:
            browser.close()
        if server is not None:
            server.shutdown()
            server.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    return check.failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--web", required=True, help="the built playground folder (<build>/playground)")
    parser.add_argument("--native", required=True, help="the native ch10_adam_spiral program")
    parser.add_argument("--chromium", help="the browser (default: chromium, chromium-browser or google-chrome "
                        "on PATH)")
    parser.add_argument("--screenshot", help="also save a screenshot of the whole page after book mode here")
    parser.add_argument("--timeout", type=float, default=600, help="seconds book mode may take (default 600)")
    opt = parser.parse_args()

    if not os.path.isfile(os.path.join(opt.web, "index.html")) or \
            not os.path.isfile(os.path.join(opt.web, "playground.wasm")):
        print("browser_test: %s has no index.html and playground.wasm: build the wasm preset first" % opt.web,
              file=sys.stderr)
        return 2
    chromium = find_chromium(opt.chromium)
    if not chromium:
        what = "no chromium found (apt-get install chromium, or --chromium PATH)"
        if os.environ.get("NNB_REQUIRE_BROWSER_TEST") == "1":
            print("browser_test: FAIL %s, and NNB_REQUIRE_BROWSER_TEST=1" % what, flush=True)
            return 1
        print("browser_test: SKIPPED: %s" % what, flush=True)
        return SKIPPED
    try:
        native = subprocess.run([opt.native], capture_output=True, text=True, timeout=300, check=True)
    except (OSError, subprocess.SubprocessError) as e:
        print("browser_test: cannot run the native program %s: %s" % (opt.native, e), file=sys.stderr)
        return 2
    expected = native.stdout.rstrip().split("\n")

    # A SIGTERM (a CI time limit) unwinds like an interrupt, so the finally clauses stop chromium.
    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        failures = run(opt, chromium, expected)
    except TestFailure as e:
        print("FAIL %s" % e, flush=True)
        return 1
    except KeyboardInterrupt:
        print("browser_test: interrupted", flush=True)
        return 1
    if failures:
        print("%d check(s) failed" % failures)
        return 1
    print("browser test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
