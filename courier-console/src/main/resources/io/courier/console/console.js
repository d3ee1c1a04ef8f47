// The overview's rate chart: the broker's messages in and out per second, summed over its topics, drawn with uPlot
// from /api/rates at the page's refresh period. Kept to the last 300 points.
(function () {
    var el = document.getElementById('rates-chart');
    if (!el || typeof uPlot === 'undefined') {
        return;
    }
    var period = Number(el.getAttribute('data-refresh')) * 1000;
    var data = [[], [], []];
    var windowSeconds = 300 * period / 1000;
    var plot = new uPlot({
        width: Math.max(400, Math.min(1000, el.clientWidth || 800)), height: 220,
        scales: {
            // the last 300 refreshes, however few points there are yet; rates from 0
            x: {time: true, range: function () {
                var last = data[0].length ? data[0][data[0].length - 1] : Date.now() / 1000;
                return [last - windowSeconds, last];
            }},
            y: {range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; }}
        },
        series: [{}, {label: 'in (msg/s)', stroke: '#2b6cb0', width: 2}, {label: 'out (msg/s)', stroke: '#c05621', width: 2}]
    }, data, el);
    var timer = null;
    function tick() {
        fetch('/api/rates', {credentials: 'same-origin'}).then(function (r) {
            return r.ok ? r.json() : null;
        }).then(function (j) {
            if (!j) {
                return;
            }
            if (!j.kept) {
                el.textContent = 'This backend keeps no rates (' + j.backend + ').';
                clearInterval(timer);
                return;
            }
            data[0].push(j.time);
            data[1].push(j['in']);
            data[2].push(j.out);
            if (data[0].length > 300) {
                data.forEach(function (a) { a.shift(); });
            }
            plot.setData(data);
        });
    }
    timer = setInterval(tick, period);
    tick();
})();
