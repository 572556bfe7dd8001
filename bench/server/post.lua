-- wrk script: an authenticated small POST (a 班组公告 to everyone; nobody is subscribed in the benchmark).
-- COOKIE and CSRF come from the environment.
wrk.method = "POST"
wrk.body = '{"topic":"all","text":"压测公告"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("CSRF")
