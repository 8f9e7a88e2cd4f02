// Browser reporter: include with <script src=".../reporter.js" data-key data-release async>; reports uncaught errors and rejections.
(function () {
  'use strict';
  try {
    if (window.ErrorTracker) return; // included twice: keep the first
    var script = document.currentScript;
    if (!script || !script.src) return;
    var key = script.getAttribute('data-key');
    var project = script.getAttribute('data-project');
    var release = script.getAttribute('data-release') || undefined;
    var environment = script.getAttribute('data-environment') || undefined;
    // The ingest key names the project; data-project is optional (checked by the service when given).
    if (!key) return;
    var endpoint = new URL('/api/errors', script.src).href + '?key=' + encodeURIComponent(key);

    // A page that fails in a loop must not flood the network or the tracker.
    var MAX_REPORTS = 10;
    var DEDUP_MS = 60000;
    // keepalive requests are capped at 64 KiB: stay under it even when every character takes 3 bytes.
    var MAX_TEXT = 12000;
    var MAX_MESSAGE = 4000;
    var sent = 0;
    var warned = false;
    var recent = {};
    var userId;

    var cut = function (s) {
      s = String(s == null ? '' : s);
      return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s;
    };

    // The first failure (a wrong or rotated key, a refused report) is said once on the console; later ones are silent.
    var warnOnce = function (why) {
      if (warned) return;
      warned = true;
      try {
        console.warn('error-tracker: a report was not accepted (' + why + '); later failures are not logged');
      } catch (e) {
        // no console
      }
    };

    var send = function (report) {
      var body = JSON.stringify(report);
      // text/plain keeps it a CORS-simple request: no preflight, and it survives page unload.
      if (typeof fetch === 'function') {
        fetch(endpoint, { method: 'POST', body: body, keepalive: true, credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })
          .then(function (res) {
            if (!res.ok) {
              return res.text().then(function (text) {
                warnOnce(res.status + ' ' + text.slice(0, 300));
              });
            }
          })
          .catch(function (e) {
            warnOnce(String((e && e.message) || e));
          });
      } else if (navigator.sendBeacon) {
        navigator.sendBeacon(endpoint, new Blob([body], { type: 'text/plain' }));
      }
    };

    var capture = function (error, fallback) {
      try {
        var isError = error && typeof error === 'object' && typeof error.message === 'string';
        var type = isError ? String(error.name || 'Error') : fallback.type;
        var message = isError ? error.message : fallback.message;
        var stack = isError && typeof error.stack === 'string' ? error.stack : '';
        // Errors without a stack (a thrown string, cross-origin "Script error.") still have a location.
        if (stack.indexOf('\n') < 0 && fallback.file) {
          stack = type + ': ' + message + '\n    at ' + fallback.file + ':' + (fallback.line || 0) + ':' + (fallback.column || 0);
        }
        var top = (stack.split('\n').slice(1, 2)[0] || '').trim();
        var signature = type + '|' + message + '|' + top;
        var now = Date.now();
        if (recent[signature] && now - recent[signature] < DEDUP_MS) return;
        if (sent >= MAX_REPORTS) return;
        recent[signature] = now;
        sent++;
        var report = {
          exception_type: cut(type).slice(0, 200) || 'Error',
          message: cut(message).slice(0, MAX_MESSAGE),
          traceback: cut(stack),
          source: 'browser',
          request_url: cut(location.href).slice(0, 8192),
          request_method: 'GET',
          request_headers: { 'User-Agent': navigator.userAgent },
          user_id: userId,
          release: release,
          environment: environment,
        };
        if (project) report.project = project;
        send(report);
      } catch (e) {
        // never throw into the page
      }
    };

    window.addEventListener('error', function (event) {
      // Resource load failures (img, script) bubble here too, without a message: not ours to report.
      if (!event || (!event.error && !event.message)) return;
      capture(event.error, { type: 'Error', message: event.message || 'Script error', file: event.filename, line: event.lineno, column: event.colno });
    });
    window.addEventListener('unhandledrejection', function (event) {
      var reason = event && event.reason;
      var text;
      try {
        text = typeof reason === 'string' ? reason : JSON.stringify(reason);
      } catch (e) {
        text = String(reason);
      }
      capture(reason, { type: 'UnhandledRejection', message: 'Unhandled promise rejection: ' + text });
    });

    window.ErrorTracker = {
      captureException: function (error) {
        try {
          capture(error, { type: 'Error', message: String(error) });
        } catch (e) {
          // never throw into the page
        }
      },
      setUser: function (id) {
        try {
          userId = id == null ? undefined : String(id).slice(0, 200);
        } catch (e) {
          // never throw into the page
        }
      },
    };
  } catch (e) {
    // never throw into the page
  }
})();
