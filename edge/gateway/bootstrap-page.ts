/**
 * What the gateway server answers for any /ipfs/ or /ipns/ URL it sees, and
 * for any path on a subdomain origin: the browser has no Edgeway service
 * worker there yet (or bypassed it). The page installs the SW from
 * `scriptUrl` (`/sw.js` on the gateway's origin, `/_edgeway/sw.js` on a
 * subdomain origin, where `/sw.js` may be content) and reloads the same URL,
 * which the SW then answers. The server itself never serves content bytes.
 */
export function bootstrapPage (scriptUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loading · Edgeway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1d2330}
.error{color:#b42318}</style></head>
<body><main data-testid="bootstrap">
<h1>Starting the verifying gateway…</h1>
<p id="status">Installing the Edgeway service worker, then loading this address through it.</p>
</main>
<script>
(function () {
  var status = document.getElementById('status')
  function fail (message) {
    status.className = 'error'
    status.setAttribute('data-testid', 'error')
    status.textContent = message
  }
  if (!('serviceWorker' in navigator)) {
    fail('This browser cannot run the Edgeway service worker (service workers are off, or the page is not on https or localhost).')
    return
  }
  // reloads in the last half minute: more than a few means the SW is not answering
  var key = 'edgeway-bootstrap-reloads'
  var now = Date.now()
  var recent = JSON.parse(sessionStorage.getItem(key) || '[]').filter(function (t) { return now - t < 30000 })
  if (recent.length >= 3) {
    sessionStorage.removeItem(key)
    fail('The service worker is installed but did not answer this page. Reload to try again.')
    return
  }
  function reload () {
    recent.push(now)
    sessionStorage.setItem(key, JSON.stringify(recent))
    location.reload()
  }
  navigator.serviceWorker.register(${JSON.stringify(scriptUrl)}, { scope: '/' }).then(function () {
    return navigator.serviceWorker.ready
  }).then(function () {
    if (navigator.serviceWorker.controller) {
      reload()
      return
    }
    // a first install takes control (clients.claim) and says so; after a hard reload
    // (Shift+Reload) the page stays uncontrolled, and a plain reload brings the SW back
    navigator.serviceWorker.addEventListener('controllerchange', reload, { once: true })
    setTimeout(reload, 1500)
  }).catch(function (err) {
    fail('Could not install the service worker: ' + (err && err.message ? err.message : err))
  })
})()
</script></body></html>`
}
