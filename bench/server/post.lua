-- wrk script: an authenticated small POST (a 班组公告 to a team nobody listens to).
-- COOKIE and CSRF come from the environment.
wrk.method = "POST"
wrk.body = '{"topic":"team.1","text":"压测公告"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("CSRF")
