#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Drive headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: no
# port, no network) to check the live view as a viewer sees it: open URL at 1024x768, wait
# until the page's stream is live, run CMD (a connect made during the test), and wait until a
# new entry for CLIENT with VERDICT appears on the page. Then measure the page (no sideways
# scrolling, no text under 14 px) and save a screenshot. Every wait has a deadline.
# usage: live_cdp.py URL CLIENT VERDICT SCREENSHOT.png -- CMD...
import base64, json, os, subprocess, sys, tempfile, time

def main():
    url, client, verdict, shot = sys.argv[1:5]
    cmd = sys.argv[sys.argv.index('--') + 1:]
    prof = tempfile.mkdtemp(prefix='twl-cdp.')
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    # chromium reads commands from fd 3 and writes replies to fd 4
    def fds():
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)
    proc = subprocess.Popen(
        ['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-extensions', '--hide-scrollbars', '--window-size=1024,768',
         '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
         '--remote-debugging-pipe', '--user-data-dir=' + prof, 'about:blank'],
        pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    buf = b''
    n = [0]
    events = []
    cmdp = [None]

    def send(method, params=None, session=None, timeout=20):
        nonlocal buf
        n[0] += 1
        msg = {'id': n[0], 'method': method, 'params': params or {}}
        if session:
            msg['sessionId'] = session
        os.write(to_chrome_w, json.dumps(msg).encode() + b'\0')
        deadline = time.monotonic() + timeout
        while True:
            while b'\0' in buf:
                raw, buf = buf.split(b'\0', 1)
                m = json.loads(raw)
                if m.get('id') == n[0]:
                    if 'error' in m:
                        raise RuntimeError(method + ': ' + str(m['error']))
                    return m['result']
                events.append(m)
            if time.monotonic() > deadline:
                raise RuntimeError(method + ': no reply within %d s' % timeout)
            import select
            r, _, _ = select.select([from_chrome_r], [], [], 0.5)
            if r:
                data = os.read(from_chrome_r, 1 << 20)
                if not data:
                    raise RuntimeError('chromium went away')
                buf += data

    def wait(session, expr, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = send('Runtime.evaluate', {'expression': expr, 'returnByValue': True}, session)
            if r['result'].get('value'):
                return r['result']['value']
            time.sleep(0.05)  # poll interval inside a deadline
        raise RuntimeError('timed out waiting for ' + what)

    try:
        targets = send('Target.getTargets')['targetInfos']
        page = next(t for t in targets if t['type'] == 'page')
        s = send('Target.attachToTarget', {'targetId': page['targetId'], 'flatten': True})['sessionId']
        send('Runtime.enable', session=s)
        send('Page.enable', session=s)
        send('Emulation.setDeviceMetricsOverride',
             {'width': 1024, 'height': 768, 'deviceScaleFactor': 1, 'mobile': False}, s)
        send('Page.navigate', {'url': url}, s)
        wait(s, "document.querySelector('#status.live') !== null", 15, 'the stream to be live')
        wait(s, "document.querySelectorAll('.client').length > 0", 15, 'the lab event')
        sel = 'li.syn.%s[data-client="%s"]' % (verdict, client)
        before = send('Runtime.evaluate', {'expression': 'document.querySelectorAll(%s).length'
                                           % json.dumps(sel), 'returnByValue': True}, s)['result']['value']
        t0 = time.monotonic()
        cmdp[0] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        text = wait(s, "(() => { const l = document.querySelectorAll(%s); return l.length > %d "
                    "&& l[0].textContent; })()" % (json.dumps(sel), before), 10,
                    'a new %s entry for %s' % (verdict, client))
        print('page shows, %d ms after the command started: %s'
              % ((time.monotonic() - t0) * 1000, text))
        # what a projector shows: no sideways scrolling, no text under 14 px
        m = wait(s, """(() => {
            let min = 99;
            for (const e of document.querySelectorAll('body *')) {
              if (!e.childNodes.length || ![...e.childNodes].some(c => c.nodeType === 3 &&
                  c.textContent.trim())) continue;
              if (e.offsetParent === null && e.tagName !== 'BODY') continue;
              min = Math.min(min, parseFloat(getComputedStyle(e).fontSize));
            }
            return JSON.stringify({sw: document.documentElement.scrollWidth,
                                   iw: window.innerWidth, min});
        })()""", 5, 'the measurement')
        m = json.loads(m)
        print('measured: scrollWidth %d, innerWidth %d, smallest text %.1f px' % (m['sw'], m['iw'], m['min']))
        png = send('Page.captureScreenshot', {'format': 'png'}, s)['data']
        with open(shot, 'wb') as f:
            f.write(base64.b64decode(png))
        bad = [e for e in events if e.get('method') == 'Runtime.exceptionThrown']
        if bad:
            print('page threw: ' + json.dumps(bad[0]['params'])[:300])
            return 1
        if m['sw'] > m['iw'] or m['min'] < 14:
            print('page does not fit a projector at 1024x768')
            return 1
        return 0
    except Exception as e:
        print('error: %s' % e)
        return 1
    finally:
        if cmdp[0]:
            try:
                cmdp[0].wait(timeout=30)
            except subprocess.TimeoutExpired:
                cmdp[0].kill()
                cmdp[0].wait()
        try:
            send('Browser.close', timeout=5)
        except Exception:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        subprocess.run(['rm', '-rf', prof])

sys.exit(main())
