-- bench/wrk-distinct.lua — like wrk-report.lua, but every request asks for a
-- different URL (/1k?i=1, /1k?i=2, …), so a recording proxy records each one.
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, '/1k?i=' .. counter)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
