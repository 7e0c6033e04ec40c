#!/usr/bin/env python3
"""A local web for the web tools' tests: pages, redirects, other content types, and the search
APIs of SearxNG, Brave and Tavily in their real shapes. Binds 127.0.0.1 only; writes its port
to the file named by --port-file."""
import argparse, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

PAGE = """<!DOCTYPE html><html><head><title>Parser notes &amp; fixes</title>
<style>body { color: red }</style><script>var x = "<p>not text</p>";</script></head>
<body><header class="site-header"><a href="/">Home</a> <a href="/blog">Blog</a></header>
<nav><ul><li><a href="/a">Menu A</a></li><li>Menu B</li></ul></nav>
<main>
<h1>Fixing the lexer</h1>
<p>The <strong>lexer</strong> dropped the last token; see <a href="/issues/42">issue 42</a> and the
<a href="https://example.com/spec#tokens">spec</a>.<br>Second line &mdash; with an entity.</p>
<h2>Steps</h2>
<ol><li>Read <code>Lexer.next()</code><li>Fix the bound<ul><li>check <em>empty</em> input</li></ul></li></ol>
<pre><code class="language-swift">if i &lt; end {
    i += 1
}</code></pre>
<blockquote><p>Off by one, again.</p></blockquote>
<table><thead><tr><th>Case</th><th>Before</th><th>After</th></tr></thead>
<tbody><tr><td>empty</td><td>crash</td><td>ok</td></tr><tr><td>a|b</td><td>1</td><td>2</td></tr></tbody></table>
<div hidden>secret hidden text</div>
<p style="display: none">invisible</p>
<img src="/x.png" alt="a diagram of tokens">
</main>
<footer>Copyright 2026 · <a href="/privacy">Privacy</a></footer>
</body></html>"""

LONG = "<html><body><main>" + "".join(f"<p>paragraph {i:04d} " + "word " * 30 + "</p>" for i in range(400)) + "</main></body></html>"

RESULTS = [{"title": "Swift Lexers &amp; Parsers", "url": "https://example.com/lexers", "content": "How to write a <b>lexer</b>."},
           {"title": "Off by one", "url": "https://example.com/obo", "content": "Classic bugs."}]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a): pass

    def send(self, status, body, ctype="text/html; charset=utf-8", headers=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items(): self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        port = self.server.server_address[1]
        if u.path == "/page": return self.send(200, PAGE)
        if u.path == "/long": return self.send(200, LONG)
        if u.path == "/redirect": return self.send(302, "", headers={"Location": "/page"})
        if u.path == "/loop": return self.send(302, "", headers={"Location": "/loop"})
        if u.path == "/to-private": return self.send(302, "", headers={"Location": f"http://127.0.0.1:{port}/page"})
        if u.path == "/json": return self.send(200, '{"ok": true, "items": [1, 2]}', "application/json")
        if u.path == "/plain": return self.send(200, "line one\nline two\n", "text/plain")
        if u.path == "/pdf": return self.send(200, b"%PDF-1.7\n\x00\x01\x02binary", "application/pdf")
        if u.path == "/big": return self.send(200, "x" * 6_000_000, "text/plain")
        if u.path == "/missing": return self.send(404, "<html><body><h1>Not here</h1></body></html>")
        if u.path == "/searx/search":
            if q.get("format") != ["json"]: return self.send(400, "format=json required", "text/plain")
            return self.send(200, json.dumps({"query": q.get("q", [""])[0], "results": RESULTS}), "application/json")
        if u.path == "/brave/res/v1/web/search":
            if self.headers.get("X-Subscription-Token") != "brave-key": return self.send(401, '{"error": "unauthorized"}', "application/json")
            rs = [{"title": r["title"], "url": r["url"], "description": r["content"]} for r in RESULTS][: int(q.get("count", ["10"])[0])]
            return self.send(200, json.dumps({"web": {"results": rs}}), "application/json")
        return self.send(404, "no such page", "text/plain")

    def do_POST(self):
        u = urlparse(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if u.path == "/tavily/search":
            if self.headers.get("Authorization") != "Bearer tavily-key": return self.send(401, '{"detail": "bad key"}', "application/json")
            return self.send(200, json.dumps({"query": body.get("query"), "results": RESULTS[: body.get("max_results", 5)]}), "application/json")
        return self.send(404, "no such page", "text/plain")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    a = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(a.port_file, "w") as f: f.write(str(server.server_address[1]))
    server.serve_forever()
