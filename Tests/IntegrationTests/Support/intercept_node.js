// GET https://HOST/PATH through an HTTP CONNECT proxy with node's own TLS stack (node has no
// HTTPS_PROXY support of its own). Trusts the system roots plus NODE_EXTRA_CA_CERTS.
// Usage: node intercept_node.js PROXY_HOST:PORT HOST PATH  -> prints "STATUS BODY_LENGTH"
const http = require('http');
const https = require('https');
const [proxy, host, path] = process.argv.slice(2);
const [proxyHost, proxyPort] = proxy.split(':');
const req = http.request({ host: proxyHost, port: Number(proxyPort), method: 'CONNECT', path: `${host}:443` });
req.on('connect', (res, socket) => {
  if (res.statusCode !== 200) { console.error(`CONNECT ${res.statusCode}`); process.exit(2); }
  const get = https.get({ host, path, socket, servername: host, agent: false }, (r) => {
    let n = 0;
    r.on('data', (d) => { n += d.length; });
    r.on('end', () => { console.log(`${r.statusCode} ${n}`); socket.destroy(); });
  });
  get.on('error', (e) => { console.error(`TLS/HTTP error: ${e.code || ''} ${e.message}`); process.exit(3); });
});
req.on('error', (e) => { console.error(`proxy error: ${e.message}`); process.exit(4); });
req.setTimeout(20000, () => { console.error('timeout'); process.exit(5); });
req.end();
