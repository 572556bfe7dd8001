"""API tests against a real `kefu serve` process.

  python3 tests/api/api_test.py PATH/TO/kefu            # on a fresh SQLite database
  python3 tests/api/api_test.py PATH/TO/kefu --pg       # on KEFU_TEST_PG_API_URL (PostgreSQL)
"""

import base64
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from wsclient import WebSocket  # noqa: E402

KEFU = None
SERVER = None
PORT = None
TMP = None
DB = None
DEMO_PASSWORD = None
PASSWORD = "correct-horse-battery"

# The role → permission matrix as specified in issue #3 and ARCHITECTURE.md, written out
# independently of the server's own table.
MATRIX = {
    "agent": {"desktop.use", "customers.write", "kb.read"},
    "expert": {"desktop.use", "pii.unmask", "customers.write", "kb.read", "kb.write"},
    "supervisor": {"desktop.use", "broadcast.send", "users.read", "pii.unmask", "metrics.read",
                   "customers.write", "customers.owner", "customers.import", "kb.read",
                   "kb.write"},
    "qa": set(),
    "analyst": {"metrics.read"},
    "admin": {"broadcast.send", "users.read", "users.write", "audit.read", "tokens.manage",
              "metrics.read", "customers.owner", "customers.import", "kb.read", "kb.write"},
}


def kefu(*args, stdin=None):
    return subprocess.run([KEFU, "--db", DB, *args], input=stdin, capture_output=True,
                          text=True, cwd=TMP, timeout=120)


class Client:
    """One browser-like caller: keeps the session cookie and the CSRF token."""

    def __init__(self):
        self.cookie = None
        self.csrf = None
        self.me = None

    def request(self, method, path, body=None, headers=None, csrf=True, raw=None):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRF-Token", self.csrf)
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        try:
            payload = json.loads(text) if text else None
        except json.JSONDecodeError:
            payload = text
        return resp.status, payload, resp.getheaders()

    def login(self, username, password):
        status, body, headers = self.request("POST", "/api/v1/auth/login",
                                             {"username": username, "password": password})
        if status == 200:
            for k, v in headers:
                if k.lower() == "set-cookie" and v.startswith("kefu_session="):
                    self.cookie = v.split(";")[0]
                    self.set_cookie = v
            self.csrf = body["csrf_token"]
            self.me = body
        return status, body


def setUpModule():
    global SERVER, PORT, TMP, DB, DEMO_PASSWORD
    TMP = tempfile.mkdtemp(prefix="kefu_api_test_")
    DB = os.environ.get("KEFU_API_TEST_DB_URL") or f"sqlite:{TMP}/kefu.db"
    seeded = kefu("demo", "seed", "--customers", "20", "--quiet")
    assert seeded.returncode == 0, seeded.stderr + seeded.stdout
    with open(os.path.join(TMP, "var", "demo-logins.txt"), encoding="utf-8") as f:
        DEMO_PASSWORD = re.search(r"admin / (\S+)", f.read()).group(1)
    for name, role in [("lock1", "agent"), ("keep1", "agent")]:
        r = kefu("user", "add", name, "--role", role, "--name", "测试" + name, "--password-stdin",
                 stdin=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
    port_file = os.path.join(TMP, "port")
    SERVER = subprocess.Popen(
        [KEFU, "--db", DB, "--set", "server.listen=127.0.0.1:0", "--set",
         f"server.port_file={port_file}", "--set", "api.login_per_minute=1000", "--set",
         "api.rate_limit_rps=1000", "--set", f"server.web_root={TMP}/no-web", "serve"],
        cwd=TMP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while not os.path.exists(port_file):
        if SERVER.poll() is not None or time.time() > deadline:
            raise RuntimeError("kefu serve did not start: " + SERVER.stdout.read())
        time.sleep(0.05)
    with open(port_file, encoding="utf-8") as f:
        PORT = int(f.read())


def tearDownModule():
    if SERVER and SERVER.poll() is None:
        SERVER.kill()
        SERVER.wait()
    if SERVER:
        SERVER.stdout.close()


def login_as(role):
    c = Client()
    status, body = c.login(role, DEMO_PASSWORD)
    assert status == 200, (role, status, body)
    return c


def concrete(path):
    return re.sub(r"\{[a-z_]+\}", "1", path)


def sample_body(method, path):
    return {} if method in ("POST", "PUT", "PATCH") else None


class RouteTableTest(unittest.TestCase):
    """Every route denies anonymous callers and wrong roles (table-driven)."""

    @classmethod
    def setUpClass(cls):
        status, doc, _ = Client().request("GET", "/api/v1/openapi.json")
        assert status == 200
        cls.routes = [(m.upper(), p, op["x-permission"])
                      for p, ops in doc["paths"].items() for m, op in ops.items()]
        cls.clients = {role: login_as(role) for role in MATRIX}

    def test_table_is_not_empty(self):
        self.assertGreaterEqual(len(self.routes), 15)
        self.assertIn(("POST", "/api/v1/auth/login", "public"), self.routes)

    def test_me_reports_the_specified_permissions(self):
        for role, client in self.clients.items():
            self.assertEqual(set(client.me["permissions"]), MATRIX[role], role)
            self.assertEqual(client.me["user"]["role"], role)

    def test_anonymous_callers_are_denied(self):
        anon = Client()
        for method, path, permission in self.routes:
            if permission == "public":
                continue
            with self.subTest(method=method, path=path):
                status, body, _ = anon.request(method, concrete(path), sample_body(method, path))
                self.assertEqual(status, 401, body)
                self.assertEqual(body["error"]["code"], "unauthenticated")

    def test_wrong_roles_are_denied_and_right_roles_pass(self):
        for role, client in self.clients.items():
            for method, path, permission in self.routes:
                if path == "/api/v1/auth/logout":
                    continue  # would end the session the loop still needs
                allowed = permission in ("public", "logged-in") or permission in MATRIX[role]
                with self.subTest(role=role, method=method, path=path):
                    status, body, _ = client.request(method, concrete(path),
                                                     sample_body(method, path))
                    if allowed:
                        self.assertNotIn(status, (401, 403), body)
                    else:
                        self.assertEqual(status, 403, body)
                        self.assertEqual(body["error"]["code"], "permission_denied")


class SessionTest(unittest.TestCase):
    def test_cookie_flags_and_new_session_per_login(self):
        a, b = Client(), Client()
        a.login("keep1", PASSWORD)
        b.login("keep1", PASSWORD)
        self.assertNotEqual(a.cookie, b.cookie)
        self.assertIn("HttpOnly", a.set_cookie)
        self.assertIn("SameSite=Strict", a.set_cookie)
        self.assertNotEqual(a.csrf, b.csrf)

    def test_logout_ends_the_session(self):
        c = Client()
        c.login("keep1", PASSWORD)
        self.assertEqual(c.request("GET", "/api/v1/auth/me")[0], 200)
        self.assertEqual(c.request("POST", "/api/v1/auth/logout")[0], 204)
        self.assertEqual(c.request("GET", "/api/v1/auth/me")[0], 401)

    def test_csrf_is_enforced_on_state_changing_requests(self):
        sup = login_as("supervisor")
        body = {"topic": "all", "text": "CSRF 测试"}
        status, err, _ = sup.request("POST", "/api/v1/broadcasts", body, csrf=False)
        self.assertEqual((status, err["error"]["code"]), (403, "csrf_failed"))
        status, err, _ = sup.request("POST", "/api/v1/broadcasts", body,
                                     headers={"X-CSRF-Token": "forged"})
        self.assertEqual((status, err["error"]["code"]), (403, "csrf_failed"))
        status, ok, _ = sup.request("POST", "/api/v1/broadcasts", body)
        self.assertEqual(status, 201, ok)
        # GET needs no token.
        self.assertEqual(sup.request("GET", "/api/v1/users", csrf=False)[0], 200)

    def test_wrong_password_and_lockout(self):
        c = Client()
        for _ in range(5):
            status, body = c.login("lock1", "wrong-password-123")
            self.assertEqual(status, 401)
            self.assertEqual(body["error"]["code"], "invalid_credentials")
        status, body = c.login("lock1", PASSWORD)
        self.assertEqual(status, 423, body)
        self.assertEqual(body["error"]["code"], "account_locked")
        self.assertGreater(body["error"]["retry_after_ms"], 0)
        # Every attempt is audited.
        admin = login_as("admin")
        status, page, _ = admin.request("GET", "/api/v1/audit?actor=lock1&limit=20")
        self.assertEqual(status, 200)
        actions = [r["action"] for r in page["items"]]
        self.assertEqual(actions.count("auth.login_failed"), 6, actions)
        self.assertTrue(all(r["ip"] == "127.0.0.1" for r in page["items"]))

    def test_change_own_password(self):
        admin = login_as("admin")
        status, _, _ = admin.request("POST", "/api/v1/users", {
            "username": "pw1", "display_name": "改密码", "role": "agent", "password": PASSWORD})
        self.assertEqual(status, 201)
        c = Client()
        c.login("pw1", PASSWORD)
        status, body, _ = c.request("POST", "/api/v1/auth/password", {
            "current_password": "not-my-password", "new_password": "brand-new-secret"})
        self.assertEqual((status, body["error"]["field"]), (400, "current_password"))
        status, _, _ = c.request("POST", "/api/v1/auth/password", {
            "current_password": PASSWORD, "new_password": "brand-new-secret"})
        self.assertEqual(status, 204)
        self.assertEqual(c.request("GET", "/api/v1/auth/me")[0], 401)  # sessions ended
        self.assertEqual(Client().login("pw1", PASSWORD)[0], 401)
        self.assertEqual(Client().login("pw1", "brand-new-secret")[0], 200)

    def test_unknown_user_is_invalid_credentials(self):
        status, body = Client().login("nobody-here", PASSWORD)
        self.assertEqual((status, body["error"]["code"]), (401, "invalid_credentials"))

    def test_disabled_user_cannot_log_in(self):
        admin = login_as("admin")
        status, user, _ = admin.request("POST", "/api/v1/users", {
            "username": "gone1", "display_name": "离职座席", "role": "agent",
            "password": PASSWORD})
        self.assertEqual(status, 201, user)
        victim = Client()
        self.assertEqual(victim.login("gone1", PASSWORD)[0], 200)
        self.assertEqual(admin.request("POST", f"/api/v1/users/{user['id']}/disable")[0], 200)
        self.assertEqual(victim.request("GET", "/api/v1/auth/me")[0], 401)
        status, body = Client().login("gone1", PASSWORD)
        self.assertEqual((status, body["error"]["code"]), (403, "account_disabled"))


class AdminApiTest(unittest.TestCase):
    def test_changes_write_audit_rows(self):
        admin = login_as("admin")
        status, user, _ = admin.request("POST", "/api/v1/users", {
            "username": "audit1", "display_name": "审计测试", "role": "qa",
            "password": PASSWORD})
        self.assertEqual(status, 201, user)
        status, page, _ = admin.request(
            "GET", f"/api/v1/audit?action=user.create&object_id={user['id']}")
        self.assertEqual(status, 200)
        self.assertEqual(len(page["items"]), 1)
        row = page["items"][0]
        self.assertEqual(row["actor_name"], "admin")
        self.assertEqual(row["ip"], "127.0.0.1")
        self.assertTrue(row["trace_id"])

    def test_validation_errors_name_the_field(self):
        admin = login_as("admin")
        status, body, _ = admin.request("POST", "/api/v1/users", {
            "username": "x", "display_name": "短", "role": "agent"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["field"], "username")
        status, body, _ = admin.request("POST", "/api/v1/users", {
            "username": "short1", "display_name": "短", "role": "agent", "password": "123"})
        self.assertEqual((status, body["error"]["field"]), (400, "password"))
        status, body, _ = admin.request("POST", "/api/v1/users", {
            "username": "u1234", "display_name": "x", "role": "agent", "colour": "red"})
        self.assertEqual((status, body["error"]["field"]), (400, "colour"))
        status, body, _ = admin.request("POST", "/api/v1/users", raw=b"{not json",
                                        headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        status, body, _ = admin.request("POST", "/api/v1/users", {
            "username": "keep1", "display_name": "重复", "role": "agent"})
        self.assertEqual((status, body["error"]["code"]), (409, "already_exists"))

    def test_cursor_pagination_visits_every_user_once(self):
        admin = login_as("admin")
        seen, cursor, pages = [], None, 0
        while True:
            path = "/api/v1/users?limit=3" + (f"&cursor={cursor}" if cursor else "")
            status, page, _ = admin.request("GET", path)
            self.assertEqual(status, 200, page)
            self.assertLessEqual(len(page["items"]), 3)
            seen += [u["id"] for u in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreaterEqual(len(seen), 8)
        self.assertGreater(pages, 2)
        status, body, _ = admin.request("GET", "/api/v1/users?cursor=garbage")
        self.assertEqual((status, body["error"]["field"]), (400, "cursor"))
        status, body, _ = admin.request("GET", "/api/v1/users?limit=0")
        self.assertEqual((status, body["error"]["field"]), (400, "limit"))

    def test_api_tokens_are_scoped_and_revocable(self):
        admin = login_as("admin")
        status, token, _ = admin.request("POST", "/api/v1/tokens",
                                         {"name": "CRM 同步", "scopes": ["users.read"]})
        self.assertEqual(status, 201, token)
        bearer = {"Authorization": "Bearer " + token["token"]}
        anon = Client()
        self.assertEqual(anon.request("GET", "/api/v1/users", headers=bearer)[0], 200)
        self.assertEqual(anon.request("GET", "/api/v1/audit", headers=bearer)[0], 403)
        # Bearer tokens are not cookies: no CSRF token needed, but scopes still apply.
        self.assertEqual(anon.request("POST", "/api/v1/broadcasts", {"topic": "all", "text": "x"},
                                      headers=bearer)[0], 403)
        self.assertEqual(admin.request("DELETE", f"/api/v1/tokens/{token['id']}")[0], 204)
        time.sleep(5.2)  # cached token checks expire after 5 s
        self.assertEqual(anon.request("GET", "/api/v1/users", headers=bearer)[0], 401)

    def test_body_limit_and_unknown_routes(self):
        admin = login_as("admin")
        # The limit applies as soon as the headers announce too much (no need to send it).
        import socket
        with socket.create_connection(("127.0.0.1", PORT), timeout=10) as s:
            s.sendall(b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      b"application/json\r\nContent-Length: 2097152\r\n\r\n")
            reply = s.recv(4096).decode()
        self.assertTrue(reply.startswith("HTTP/1.1 413"), reply)
        self.assertIn("payload_too_large", reply)
        status, body, _ = admin.request("GET", "/api/v1/nope")
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        status, body, _ = admin.request("PUT", "/api/v1/users")
        self.assertEqual(status, 405)

    def test_health_ready_metrics(self):
        c = Client()
        self.assertEqual(c.request("GET", "/healthz")[0], 200)
        status, body, _ = c.request("GET", "/readyz")
        self.assertEqual((status, body["database"]), (200, "ok"))
        status, text, headers = c.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn('kefu_http_requests_total{route="GET /api/v1/users"', text)
        self.assertIn("kefu_http_request_duration_seconds_bucket", text)
        self.assertIn("kefu_websocket_connections", text)
        self.assertIn("kefu_store_commits_total", text)


class WebSocketTest(unittest.TestCase):
    def connect(self, client, origin=True):
        headers = {"Cookie": client.cookie} if client.cookie else {}
        if origin:
            headers["Origin"] = f"http://127.0.0.1:{PORT}"
        return WebSocket("127.0.0.1", PORT, "/api/v1/ws", headers)

    def test_anonymous_and_foreign_origin_are_refused(self):
        ws = self.connect(Client())
        self.assertEqual(ws.status, 401)
        ws.close()
        sup = login_as("supervisor")
        ws = WebSocket("127.0.0.1", PORT, "/api/v1/ws",
                       {"Cookie": sup.cookie, "Origin": "http://evil.example"})
        self.assertEqual(ws.status, 403)
        ws.close()

    def test_push_and_resume_without_loss_or_repeats(self):
        sup = login_as("supervisor")
        team = sup.me["user"]["team_id"]
        agent = login_as("agent")
        ws = self.connect(agent)
        self.assertEqual(ws.status, 101, ws.response_head)
        hello = ws.recv_type("hello")
        ws.send({"type": "subscribe", "topics": ["all", f"team.{agent.me['user']['team_id']}",
                                                  "user.1"]})
        err = ws.recv_type("error")
        self.assertEqual(err["code"], "forbidden_topic")  # someone else's user topic
        subscribed = ws.recv_type("subscribed")
        self.assertEqual(sorted(subscribed["topics"]),
                         sorted(["all", f"team.{agent.me['user']['team_id']}"]))
        ws.send({"type": "ping"})
        ws.recv_type("pong")

        def broadcast(text):
            status, body, _ = sup.request("POST", "/api/v1/broadcasts",
                                          {"topic": "all", "text": text})
            self.assertEqual(status, 201, body)

        broadcast("第一条")
        first = ws.recv_type("event")
        self.assertEqual((first["seq"], first["data"]["text"]), (1, "第一条"))
        self.assertEqual(first["event"], "broadcast")
        ws.close()
        time.sleep(0.3)
        broadcast("第二条")
        broadcast("第三条")
        ws2 = self.connect(agent)
        ws2.recv_type("hello")
        ws2.send({"type": "resume", "session": hello["session"], "last_seq": 1})
        replayed = [ws2.recv(), ws2.recv(), ws2.recv()]
        self.assertEqual([m.get("seq") for m in replayed[:2]], [2, 3])
        self.assertEqual([m["data"]["text"] for m in replayed[:2]], ["第二条", "第三条"])
        self.assertEqual(replayed[2]["type"], "resumed")
        broadcast("第四条")
        self.assertEqual(ws2.recv_type("event")["seq"], 4)
        ws2.close()
        # A session that is unknown (or not the caller's) cannot be resumed.
        ws3 = self.connect(agent)
        ws3.recv_type("hello")
        ws3.send({"type": "resume", "session": "no-such-session", "last_seq": 0})
        self.assertEqual(ws3.recv()["type"], "reset")
        ws3.close()
        del team

    def test_logout_closes_the_sessions_websockets(self):
        agent = login_as("agent")
        ws = self.connect(agent)
        ws.recv_type("hello")
        self.assertEqual(agent.request("POST", "/api/v1/auth/logout")[0], 204)
        self.assertEqual(ws.recv()["type"], "session_ended")
        with self.assertRaises(ConnectionError):
            ws.recv()
        ws.close()


class CustomerLookupTest(unittest.TestCase):
    """The customer 360 lookup (issue #6): masked by default, unmask needs pii.unmask and is
    audited."""

    @classmethod
    def setUpClass(cls):
        cls.agent = login_as("agent")
        cls.expert = login_as("expert")
        cls.customer_id = None
        cls.mobile = None
        if DB.startswith("sqlite:"):
            import sqlite3
            conn = sqlite3.connect(DB[len("sqlite:"):])
            try:
                # Prefer a customer with a failed transaction so its reason can be checked.
                row = conn.execute(
                    "SELECT c.id, c.mobile FROM customers c WHERE c.mobile IS NOT NULL "
                    "ORDER BY EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id "
                    "AND t.status = 'failed') DESC, c.id LIMIT 1").fetchone()
            finally:
                conn.close()
            cls.customer_id, cls.mobile = str(row[0]), row[1]

    def need_customer(self):
        if self.customer_id is None:
            self.skipTest("reads a seeded customer from the SQLite file")

    def test_agent_sees_masked_customer(self):
        self.need_customer()
        status, body, _ = self.agent.request(
            "GET", f"/api/v1/customers/lookup?customer_id={self.customer_id}")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["id"], self.customer_id)
        self.assertTrue(body["masked"])
        self.assertIn("****", body["mobile"])
        self.assertNotEqual(body["mobile"], self.mobile)
        self.assertIn(body["tier_label"], ("普通", "金卡", "白金", "私人银行"))
        self.assertLessEqual(len(body["transactions"]), 20)
        times = [t["occurred_ms"] for t in body["transactions"]]
        self.assertEqual(times, sorted(times, reverse=True))
        for t in body["transactions"]:
            self.assertIsInstance(t["amount_fen"], int)
            self.assertIsInstance(t["id"], str)
            if t["status"] == "failed":
                self.assertTrue(t["error_code"])
                self.assertTrue(t["error_reason"])
        for card in body["cards"]:
            self.assertIsInstance(card["available_fen"], int)

    def test_lookup_by_mobile_finds_the_same_customer(self):
        self.need_customer()
        status, body, _ = self.agent.request(
            "GET", f"/api/v1/customers/lookup?mobile={self.mobile}")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["id"], self.customer_id)

    def test_agent_may_not_unmask(self):
        self.need_customer()
        status, body, _ = self.agent.request(
            "GET", f"/api/v1/customers/lookup?customer_id={self.customer_id}&unmask=true")
        self.assertEqual(status, 403, body)
        self.assertEqual(body["error"]["code"], "permission_denied")

    def test_expert_unmasks_and_it_is_audited(self):
        self.need_customer()
        status, body, _ = self.expert.request(
            "GET", f"/api/v1/customers/lookup?customer_id={self.customer_id}&unmask=true")
        self.assertEqual(status, 200, body)
        self.assertFalse(body["masked"])
        self.assertEqual(body["mobile"], self.mobile)
        admin = login_as("admin")
        status, page, _ = admin.request(
            "GET", f"/api/v1/audit?action=customer.unmask&object_id={self.customer_id}")
        self.assertEqual(status, 200, page)
        rows = [r for r in page["items"] if r["actor_name"] == "expert"]
        self.assertTrue(rows, page)
        self.assertEqual(rows[0]["object_type"], "customer")
        self.assertIn("customer_id", rows[0]["detail"])
        self.assertNotIn(self.mobile, rows[0]["detail"])

    def test_unknown_customer_is_404(self):
        status, body, _ = self.agent.request("GET", "/api/v1/customers/lookup?customer_id=1")
        self.assertEqual(status, 404, body)
        self.assertEqual(body["error"]["code"], "not_found")

    def test_malformed_mobile_is_400_with_field(self):
        status, body, _ = self.agent.request("GET", "/api/v1/customers/lookup?mobile=12345")
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["code"], "invalid_argument")
        self.assertEqual(body["error"]["field"], "mobile")

    def test_a_key_is_required(self):
        status, body, _ = self.agent.request("GET", "/api/v1/customers/lookup")
        self.assertEqual(status, 400, body)


class CustomerDeskTest(unittest.TestCase):
    """Search, unknown callers and prospects, profile edits, owners, follow-ups and the import
    upload (issue #6), against the real server."""

    @classmethod
    def setUpClass(cls):
        cls.agent = login_as("agent")
        cls.supervisor = login_as("supervisor")

    def test_unknown_caller_then_prospect(self):
        status, body, _ = self.agent.request("GET", "/api/v1/customers/lookup?mobile=13199990001")
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"found": False, "unknown_caller": True, "by": "mobile"})
        status, body, _ = self.agent.request("POST", "/api/v1/customers",
                                             {"mobile": "131 9999 0001"})
        self.assertEqual(status, 201, body)
        pid = body["id"]
        status, body, _ = self.agent.request("GET", "/api/v1/customers/lookup?mobile=13199990001")
        self.assertEqual(status, 200, body)
        self.assertTrue(body["found"])
        self.assertEqual(body["id"], pid)
        self.assertEqual(body["status"], "prospect")
        self.assertEqual(body["mobile"], "131****0001")
        status, body, _ = self.agent.request("POST", "/api/v1/customers", {"mobile": "13199990001"})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["field"], "mobile")

    def test_search_edit_owner_and_follow_ups(self):
        status, body, _ = self.agent.request("POST", "/api/v1/customers",
                                             {"mobile": "13199990002", "name": "测试客户甲"})
        self.assertEqual(status, 201, body)
        cid = body["id"]
        status, page, _ = self.agent.request("GET", "/api/v1/customers?q=" +
                                             urllib.parse.quote("测试客户"))
        self.assertEqual(status, 200, page)
        self.assertIn(cid, [c["id"] for c in page["items"]])
        status, page, _ = self.agent.request("GET", "/api/v1/customers?q=13199990002")
        self.assertEqual([c["id"] for c in page["items"]], [cid])
        self.assertEqual(page["items"][0]["mobile"], "131****0002")

        status, body, _ = self.agent.request("PATCH", f"/api/v1/customers/{cid}",
                                             {"tier": "gold", "tags": ["理财", "代发"],
                                              "marketing_consent": False})
        self.assertEqual(status, 204, body)
        status, body, _ = self.agent.request("PATCH", f"/api/v1/customers/{cid}", {"tier": "钻石"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "tier")
        # A new mobile replaces the old one; another customer's mobile is a conflict; the
        # audit row says it changed, not what to.
        status, body, _ = self.agent.request("PATCH", f"/api/v1/customers/{cid}",
                                             {"mobile": "131 9999 0003", "email": "cs@example.cn"})
        self.assertEqual(status, 204, body)
        status, c, _ = self.agent.request("GET", "/api/v1/customers/lookup?mobile=13199990003")
        self.assertEqual((status, c["id"], c["mobile"]), (200, cid, "131****0003"), c)
        status, c, _ = self.agent.request("GET", "/api/v1/customers/lookup?mobile=13199990002")
        self.assertFalse(c["found"], c)
        status, other, _ = self.agent.request("POST", "/api/v1/customers",
                                              {"name": "占号客户", "mobile": "13199990004"})
        self.assertEqual(status, 201, other)
        status, body, _ = self.agent.request("PATCH", f"/api/v1/customers/{cid}",
                                             {"mobile": "13199990004"})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["field"], "mobile")
        status, page, _ = login_as("admin").request(
            "GET", f"/api/v1/audit?action=customer.update&object_id={cid}")
        self.assertEqual(status, 200, page)
        details = " ".join(r["detail"] for r in page["items"])
        self.assertIn("changed", details)
        self.assertNotIn("13199990003", details)

        status, body, _ = self.agent.request("POST", f"/api/v1/customers/{cid}/owner",
                                             {"agent_id": None})
        self.assertEqual(status, 403, body)
        status, agents, _ = self.supervisor.request("GET", "/api/v1/customers?q=" +
                                                    urllib.parse.quote("测试客户甲"))
        owner = None
        if DB.startswith("sqlite:"):
            import sqlite3
            conn = sqlite3.connect(DB[len("sqlite:"):])
            try:
                owner = str(conn.execute("SELECT id FROM agents ORDER BY id LIMIT 1").fetchone()[0])
            finally:
                conn.close()
        if owner:
            status, body, _ = self.supervisor.request("POST", f"/api/v1/customers/{cid}/owner",
                                                      {"agent_id": owner})
            self.assertEqual(status, 200, body)
            self.assertEqual(body["owner_agent_id"], owner)
        status, body, _ = self.supervisor.request("POST", f"/api/v1/customers/{cid}/owner",
                                                  {"agent_id": "1"})
        self.assertEqual(status, 404, body)

        for i in range(3):
            status, body, _ = self.agent.request(
                "POST", f"/api/v1/customers/{cid}/follow-ups",
                {"channel": "phone", "content": f"第{i}次回访", "next_step": "下周再联系"})
            self.assertEqual(status, 201, body)
        status, body, _ = self.agent.request("POST", f"/api/v1/customers/{cid}/follow-ups",
                                             {"channel": "pigeon", "content": "x"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "channel")
        status, page, _ = self.agent.request("GET", f"/api/v1/customers/{cid}/follow-ups?limit=2")
        self.assertEqual(status, 200, page)
        self.assertEqual([f["content"] for f in page["items"]], ["第2次回访", "第1次回访"])
        status, rest, _ = self.agent.request(
            "GET", f"/api/v1/customers/{cid}/follow-ups?limit=2&cursor={page['next_cursor']}")
        self.assertEqual([f["content"] for f in rest["items"]], ["第0次回访"])
        self.assertIsNone(rest["next_cursor"])
        fid = page["items"][0]["id"]
        self.assertEqual(self.agent.request("POST", f"/api/v1/follow-ups/{fid}/done")[0], 204)
        self.assertEqual(self.agent.request("POST", f"/api/v1/follow-ups/{fid}/done")[0], 409)

        status, body, _ = self.agent.request("GET", f"/api/v1/customers/lookup?customer_id={cid}")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["tier_label"], "金卡")
        self.assertEqual(sorted(body["tags"]), ["代发", "理财"])
        self.assertEqual(body["consent"], {"marketing": False})
        self.assertEqual(len(body["follow_ups"]), 3)
        if owner:
            self.assertEqual(body["owner_history"][0]["reason"], "manual")

    def test_import_job_runs_in_the_background(self):
        # 6,000 rows with a wide column nobody maps: over server.max_body_bytes (1 MiB), within
        # server.max_upload_bytes; the last row is bad.
        pad = "x" * 200
        rows = [f"后台{i:05d},1317{i:07d},{pad}" for i in range(6000)] + ["后台坏行,123,"]
        csv = ("姓名,手机,用不上的列\n" + "\n".join(rows) + "\n").encode("utf-8")
        self.assertGreater(len(csv), 1 << 20)
        path = "/api/v1/customers/import-jobs?file_name=" + urllib.parse.quote("后台.csv")
        status, out, _ = self.agent.request("POST", path, raw=csv,
                                            headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 403, out)  # agents do not import
        status, out, _ = self.supervisor.request(
            "POST", path, raw=csv, headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 202, out)
        job_id = out["job_id"]
        deadline = time.time() + 120
        while True:
            status, job, _ = self.supervisor.request(
                "GET", f"/api/v1/customers/import-jobs/{job_id}")
            self.assertEqual(status, 200, job)
            if job["status"] not in ("queued", "running"):
                break
            self.assertLess(time.time(), deadline, job)
            time.sleep(0.2)
        self.assertEqual(job["status"], "done", job)
        report = job["report"]
        self.assertEqual((report["rows"], report["inserted"], report["rejected"]),
                         (6001, 6000, 1), report)
        self.assertEqual(report["ignored_columns"], ["用不上的列"])
        self.assertEqual((job["issues"][0]["line"], job["issues"][0]["column"]), (6002, "手机"))
        status, found, _ = self.agent.request("GET", "/api/v1/customers/lookup?mobile=13170005999")
        self.assertEqual(found["name"], "后台05999", found)
        # Bad requests: no file name, an unknown merge policy, an unknown job.
        status, out, _ = self.supervisor.request(
            "POST", "/api/v1/customers/import-jobs", raw=b"a",
            headers={"Content-Type": "application/octet-stream"})
        self.assertEqual((status, out["error"]["field"]), (400, "file_name"), out)
        status, out, _ = self.supervisor.request(
            "POST", path + "&merge=maybe", raw=b"a",
            headers={"Content-Type": "application/octet-stream"})
        self.assertEqual((status, out["error"]["field"]), (400, "merge"), out)
        status, out, _ = self.supervisor.request("GET", "/api/v1/customers/import-jobs/42")
        self.assertEqual(status, 404, out)

    def test_import_upload(self):
        csv = ("姓名,手机,身份证号,资产(元)\n"
               "导入甲,13199990101,,80000\n"
               "导入乙,123,,\n"
               "导入甲,13199990101,,\n").encode("utf-8")
        body = {"file_name": "客户.csv", "content_base64": base64.b64encode(csv).decode()}
        status, out, _ = self.agent.request("POST", "/api/v1/customers/import", body)
        self.assertEqual(status, 403, out)
        status, out, _ = self.supervisor.request("POST", "/api/v1/customers/import", body)
        self.assertEqual(status, 200, out)
        self.assertEqual((out["rows"], out["inserted"], out["rejected"], out["merged_in_file"]),
                         (3, 1, 1, 1))
        bad = [i for i in out["issues"] if not i["warning"]]
        self.assertEqual(bad[0]["line"], 3)
        self.assertEqual(bad[0]["column"], "手机")
        status, again, _ = self.supervisor.request("POST", "/api/v1/customers/import", body)
        self.assertEqual((again["inserted"], again["updated"], again["unchanged"]), (0, 0, 1))
        status, found, _ = self.agent.request("GET", "/api/v1/customers/lookup?mobile=13199990101")
        self.assertEqual(found["tier"], "gold")
        status, out, _ = self.supervisor.request(
            "POST", "/api/v1/customers/import", {"file_name": "x.pdf", "content_base64": "AAAA"})
        self.assertEqual(status, 400, out)
        self.assertEqual(out["error"]["field"], "file")


class IngestTest(unittest.TestCase):
    """The bank's data feed: token with ingest.write, idempotency keys, per-item errors."""

    def test_feed_customers_products_and_replay(self):
        admin = login_as("admin")
        status, token, _ = admin.request("POST", "/api/v1/tokens",
                                         {"name": "core-banking", "scopes": ["ingest.write"]})
        self.assertEqual(status, 201, token)
        feed = Client()
        auth = {"Authorization": "Bearer " + token["token"]}

        def post(kind, key, items):
            h = dict(auth)
            if key:
                h["Idempotency-Key"] = key
            return feed.request("POST", f"/api/v1/ingest/{kind}", {"items": items}, headers=h)

        status, body, _ = post("customers", "feed-c-1",
                               [{"cif": "F0001", "name": "馈送客户", "mobile": "13288880001"},
                                {"cif": "F0002", "name": "坏数据", "mobile": "1"}])
        self.assertEqual(status, 200, body)
        self.assertEqual((body["accepted"], body["rejected"]), (1, 1))
        self.assertEqual(body["issues"][0]["index"], 1)
        status, body, headers = post("customers", "feed-c-1",
                                     [{"cif": "F0001", "name": "馈送客户", "mobile": "13288880001"},
                                      {"cif": "F0002", "name": "坏数据", "mobile": "1"}])
        self.assertEqual(status, 200, body)
        self.assertEqual(dict(headers).get("Idempotent-Replayed"), "true")
        status, body, _ = post("customers", "feed-c-1", [])
        self.assertEqual(status, 409, body)
        status, body, _ = post("customers", None, [])
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "Idempotency-Key")

        # An error code from the feed is searchable in the knowledge base at once.
        status, body, _ = post("error_codes", "feed-e-1", [
            {"code": "FEED77", "reason": "馈送测试原因", "advice": "请客户稍后重试"}])
        self.assertEqual((status, body["accepted"]), (200, 1), body)
        status, found, _ = login_as("agent").request("GET", "/api/v1/kb/codes/FEED77")
        self.assertEqual(status, 200, found)
        status, hits, _ = login_as("agent").request(
            "GET", "/api/v1/kb/search?q=" + urllib.parse.quote("馈送测试原因"))
        self.assertEqual(status, 200, hits)
        self.assertEqual(hits["items"][0]["code"], "FEED77", hits)

        status, body, _ = post("sms", "feed-s-1", [{
            "cif": "F0001", "kind": "campaign", "external_ref": "SMS-1",
            "text": "【示例银行】本月刷卡满1000元送笔记本, 活动代码 HD2611", "activity_code": "HD2611",
            "sent_ms": int(time.time() * 1000)}])
        self.assertEqual((status, body["accepted"]), (200, 1), body)
        status, body, _ = post("applications", "feed-a-1", [{
            "cif": "F0001", "external_ref": "APP-9", "product_kind": "loan",
            "product": "消费贷", "stage": "need_documents", "stage_note": "缺收入证明"}])
        self.assertEqual((status, body["accepted"]), (200, 1), body)

        agent = login_as("agent")
        status, c, _ = agent.request("GET", "/api/v1/customers/lookup?cif=F0001")
        self.assertEqual(status, 200, c)
        self.assertEqual(c["sms"][0]["activity_code"], "HD2611")
        self.assertEqual(c["applications"][0]["stage_note"], "缺收入证明")

        # The service history from the bank's old system reaches the 360 view.
        now = int(time.time() * 1000)
        status, body, _ = post("interactions", "feed-i-1", [
            {"cif": "F0001", "external_ref": "OLD-C1", "channel": "voice", "queue": "nope",
             "started_ms": now - 7200000},
            {"cif": "F0001", "external_ref": "OLD-C2", "channel": "chat", "agent_name": "旧坐席",
             "summary": "咨询提前还款", "started_ms": now - 3600000, "answered_ms": now - 3590000,
             "ended_ms": now - 3000000}])
        self.assertEqual((status, body["accepted"], body["issues"][0]["field"]),
                         (200, 1, "queue"), body)
        status, body, _ = post("tickets", "feed-t-1", [
            {"cif": "F0001", "external_ref": "OLD-T1", "interaction_ref": "OLD-C2",
             "kind": "request", "subject": "提前还款预约", "status": "open"},
            {"cif": "F0001", "external_ref": "OLD-T2", "kind": "complaint",
             "subject": "扣款未到账", "severity": "critical", "status": "resolved",
             "resolution": "已退款", "created_ms": now - 86400000}])
        self.assertEqual((status, body["accepted"]), (200, 2), body)
        status, body, _ = post("surveys", "feed-v-1", [
            {"cif": "F0001", "external_ref": "OLD-V1", "kind": "nps", "channel": "chat",
             "score": 11, "answered_ms": now},
            {"cif": "F0001", "external_ref": "OLD-V2", "kind": "nps", "channel": "chat",
             "score": 10, "answered_ms": now}])
        self.assertEqual((status, body["accepted"], body["issues"][0]["field"]),
                         (200, 1, "score"), body)
        status, c, _ = agent.request("GET", "/api/v1/customers/lookup?cif=F0001")
        self.assertEqual(status, 200, c)
        self.assertEqual([i["summary"] for i in c["contacts"]], ["咨询提前还款"])
        self.assertEqual([t["subject"] for t in c["open_tickets"]], ["提前还款预约"])
        self.assertTrue(c["open_tickets"][0]["number"].startswith("GD"))
        self.assertEqual(c["complaints"][0]["severity"], "critical")
        self.assertEqual((c["complaints_12m"], c["latest_nps"]), (1, 10))
        # People do not feed data; the scope is for the bank's systems.
        status, body, _ = agent.request("POST", "/api/v1/ingest/sms", {"items": []},
                                        headers={"Idempotency-Key": "x"})
        self.assertEqual(status, 403, body)


class KnowledgeBaseTest(unittest.TestCase):
    """The knowledge base (#7): search, codes, entries with versions, favourites, import."""

    @classmethod
    def setUpClass(cls):
        cls.agent = login_as("agent")
        cls.expert = login_as("expert")

    def q(self, client, **params):
        status, body, _ = client.request("GET", "/api/v1/kb/search?" +
                                         urllib.parse.urlencode(params))
        self.assertEqual(status, 200, body)
        return body

    def test_demo_content_is_searchable(self):
        body = self.q(self.agent, q="上个月刷卡满1000送笔记本的那个活动", region="广东",
                      card_type="金卡")
        self.assertEqual(body["window"]["phrase"], "上个月")
        top = body["items"][0]
        self.assertEqual(top["code"], "HD2610NB")
        self.assertTrue(top["date_match"])
        self.assertEqual(top["region_match"], "match")
        body = self.q(self.agent, q="怎么更换绑定还款的卡")
        self.assertEqual(body["items"][0]["title"], "怎么更换绑定的自动还款卡")
        self.assertIn("<em>", "".join(h["html"] for h in body["items"][0]["highlights"]))
        # Error codes are search documents too, and a code query ranks its document first.
        body = self.q(self.agent, q="E1001")
        self.assertEqual(body["items"][0]["kind"], "error_code")
        self.assertTrue(body["items"][0]["code_match"])
        body = self.q(self.agent, q="还款", type="phrase")
        self.assertTrue(all(i["kind"] == "phrase" for i in body["items"]))
        status, body, _ = self.agent.request("GET", "/api/v1/kb/search?q=x&type=widget")
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "type")

    def test_code_lookup(self):
        status, body, _ = self.agent.request("GET", "/api/v1/kb/codes/hd2611gd")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["kind"], "activity")
        self.assertEqual(body["entry"]["code"], "HD2611GD")
        self.assertIn("广东", body["entry"]["regions"])
        self.assertIn("HD2611GD", body["entry"]["sms_text"])
        status, body, _ = self.agent.request("GET", "/api/v1/kb/codes/E1001")
        self.assertEqual(body["kind"], "error_code")
        self.assertEqual(body["error_code"]["reason"], "余额不足")
        status, body, _ = self.agent.request("GET", "/api/v1/kb/codes/NOSUCH1")
        self.assertEqual(status, 404, body)

    def test_entries_versions_and_favourites(self):
        new = {"kind": "faq", "title": "测试：ETC 怎么办理", "body": "手机银行申请 ETC。",
               "tags": ["ETC"], "visibility": "customer"}
        status, body, _ = self.agent.request("POST", "/api/v1/kb/entries", new)
        self.assertEqual(status, 403, body)
        status, created, _ = self.expert.request("POST", "/api/v1/kb/entries", new)
        self.assertEqual(status, 201, created)
        eid = created["id"]
        self.assertEqual(created["version"], 1)
        status, body, _ = self.expert.request("POST", "/api/v1/kb/entries",
                                              {"kind": "faq", "title": "无答案"})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "body")

        status, body, _ = self.expert.request("PATCH", f"/api/v1/kb/entries/{eid}",
                                              {"body": "手机银行或网点申请 ETC。", "version": 1})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["version"], 2)
        self.assertEqual(body["tags"], ["ETC"])
        status, body, _ = self.expert.request("PATCH", f"/api/v1/kb/entries/{eid}",
                                              {"body": "旧版本上的修改", "version": 1})
        self.assertEqual(status, 409, body)
        status, page, _ = self.agent.request("GET", f"/api/v1/kb/entries/{eid}/versions")
        self.assertEqual(status, 200, page)
        self.assertEqual([v["version"] for v in page["items"]], [2, 1])
        self.assertEqual(page["items"][0]["changed_by"], "expert")
        self.assertIn("网点", page["items"][0]["entry"]["body"])

        body = self.q(self.agent, q="ETC 怎么办理")
        self.assertEqual(body["items"][0]["id"], eid)

        self.assertEqual(self.agent.request("POST", f"/api/v1/kb/entries/{eid}/favourite")[0], 204)
        status, favs, _ = self.agent.request("GET", "/api/v1/kb/favourites")
        self.assertEqual([f["id"] for f in favs["items"]], [eid])
        status, body, _ = self.agent.request("GET", f"/api/v1/kb/entries/{eid}")
        self.assertTrue(body["favourite"])
        status, favs, _ = self.expert.request("GET", "/api/v1/kb/favourites")
        self.assertNotIn(eid, [f["id"] for f in favs["items"]])
        self.assertEqual(
            self.agent.request("DELETE", f"/api/v1/kb/entries/{eid}/favourite")[0], 204)

        self.assertEqual(self.expert.request("DELETE", f"/api/v1/kb/entries/{eid}")[0], 204)
        self.assertEqual(self.agent.request("GET", f"/api/v1/kb/entries/{eid}")[0], 404)
        body = self.q(self.agent, q="ETC 怎么办理")
        self.assertNotIn(eid, [i["id"] for i in body["items"]])
        status, page, _ = self.agent.request("GET", f"/api/v1/kb/entries/{eid}/versions")
        self.assertEqual(page["items"][0]["action"], "delete")

    def test_import_and_export(self):
        entries = [
            {"kind": "phrase", "title": "测试导入话术", "shortcut": "/cs", "body": "测试话术内容。"},
            {"kind": "activity", "code": "TST01", "title": "测试活动", "regions": ["山东"],
             "valid_from": "2026-01-01", "valid_to": "2026-13-01"},
            {"kind": "link", "title": "测试链接", "url": "https://example.com/t"},
        ]
        body = {"file_name": "kb.json",
                "content_base64": base64.b64encode(json.dumps(entries).encode()).decode()}
        status, out, _ = self.agent.request("POST", "/api/v1/kb/import", body)
        self.assertEqual(status, 403, out)
        status, out, _ = self.expert.request("POST", "/api/v1/kb/import", body)
        self.assertEqual(status, 200, out)
        self.assertEqual((out["rows"], out["inserted"], out["rejected"]), (3, 2, 1))
        self.assertEqual(out["issues"][0]["line"], 2)
        self.assertEqual(out["issues"][0]["column"], "valid_to")
        status, again, _ = self.expert.request("POST", "/api/v1/kb/import", body)
        self.assertEqual((again["inserted"], again["updated"], again["unchanged"]), (0, 0, 2))
        status, found, _ = self.agent.request("GET", "/api/v1/kb/codes/%2Fcs")
        if status == 200:
            self.assertEqual(found["kind"], "phrase")

        status, doc, _ = self.expert.request("GET", "/api/v1/kb/export?format=json")
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["format"], "kefu.kb/1")
        self.assertIn("测试链接", [e["title"] for e in doc["entries"]])
        self.assertGreaterEqual(len(doc["error_codes"]), 20)
        status, xlsx, _ = self.expert.request("GET", "/api/v1/kb/export?format=xlsx")
        self.assertEqual(status, 200, xlsx)
        back = {"file_name": "kb.xlsx", "content_base64": xlsx["content_base64"]}
        status, out, _ = self.expert.request("POST", "/api/v1/kb/import", back)
        self.assertEqual(status, 200, out)
        self.assertEqual((out["inserted"], out["updated"], out["rejected"]), (0, 0, 0), out)
        status, out, _ = self.expert.request(
            "POST", "/api/v1/kb/import", {"file_name": "x.pdf", "content_base64": "AAAA"})
        self.assertEqual(status, 400, out)
        self.assertEqual(out["error"]["field"], "file")

    def test_related_entries_are_checked_and_resolved(self):
        ids = []
        for title in ("测试关联怎么开通网银", "测试关联网银登录密码忘了"):
            status, e, _ = self.expert.request("POST", "/api/v1/kb/entries",
                                               {"kind": "faq", "title": title, "body": "见网点。"})
            self.assertEqual(status, 201, e)
            ids.append(e["id"])
        status, main, _ = self.expert.request("POST", "/api/v1/kb/entries", {
            "kind": "activity", "code": "TSTREL1", "title": "测试关联活动",
            "related_ids": [ids[1], ids[0]]})
        self.assertEqual(status, 201, main)
        status, body, _ = self.agent.request("GET", f"/api/v1/kb/entries/{main['id']}")
        self.assertEqual(status, 200, body)
        self.assertEqual([r["title"] for r in body["related"]],
                         ["测试关联网银登录密码忘了", "测试关联怎么开通网银"])
        self.assertEqual(body["related"][0], {"id": ids[1], "kind": "faq",
                                              "title": "测试关联网银登录密码忘了"})
        status, body, _ = self.agent.request("GET", "/api/v1/kb/codes/tstrel1")
        self.assertEqual([r["id"] for r in body["entry"]["related"]], [ids[1], ids[0]])

        # A missing id and the entry itself are refused, naming the id.
        status, body, _ = self.expert.request("POST", "/api/v1/kb/entries", {
            "kind": "faq", "title": "测试关联坏的", "body": "x",
            "related_ids": [ids[0], "999999999"]})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["field"], "related_ids")
        self.assertIn("999999999", body["error"]["message"])
        status, body, _ = self.expert.request("PATCH", f"/api/v1/kb/entries/{main['id']}",
                                              {"related_ids": [main["id"]]})
        self.assertEqual((status, body["error"]["field"]), (400, "related_ids"), body)
        self.assertIn(main["id"], body["error"]["message"])

        # Deleted since: no longer listed, and an edit drops it quietly.
        self.assertEqual(self.expert.request("DELETE", f"/api/v1/kb/entries/{ids[0]}")[0], 204)
        status, body, _ = self.agent.request("GET", f"/api/v1/kb/entries/{main['id']}")
        self.assertEqual([r["id"] for r in body["related"]], [ids[1]])
        status, body, _ = self.expert.request("PATCH", f"/api/v1/kb/entries/{main['id']}",
                                              {"terms": "新的活动规则"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["related_ids"], [ids[1]])

    def test_error_codes_are_editable_with_history(self):
        path = "/api/v1/kb/error-codes/TST-E01"
        code = {"reason": "测试卡片状态异常", "advice": "请客户到网点核实卡片状态。",
                "channel": "pos", "category": "测试分类", "create": True}
        status, body, _ = self.agent.request("PUT", path, code)
        self.assertEqual(status, 403, body)
        status, created, _ = self.expert.request("PUT", "/api/v1/kb/error-codes/tst-e01", code)
        self.assertEqual(status, 201, created)
        self.assertEqual((created["code"], created["version"], created["updated_by"]),
                         ("TST-E01", 1, "expert"))
        status, body, _ = self.expert.request("PUT", path, code)
        self.assertEqual((status, body["error"]["code"], body["error"]["field"]),
                         (409, "already_exists", "code"), body)
        same = dict(code, create=False)
        status, body, _ = self.expert.request("PUT", path, same)
        self.assertEqual((status, body["version"]), (200, 1), body)
        status, body, _ = self.expert.request("PUT", path, dict(same, advice="请客户换卡。",
                                                                version=1))
        self.assertEqual((status, body["version"]), (200, 2), body)
        status, body, _ = self.expert.request("PUT", path, dict(same, advice="旧版本上的修改",
                                                                version=1))
        self.assertEqual((status, body["error"]["code"]), (409, "aborted"), body)
        status, body, _ = self.expert.request("PUT", path, dict(same, channel="fax"))
        self.assertEqual((status, body["error"]["field"]), (400, "channel"), body)
        status, body, _ = self.expert.request("PUT", path, {"advice": "没有原因"})
        self.assertEqual((status, body["error"]["field"]), (400, "reason"), body)
        status, body, _ = self.expert.request(
            "PUT", "/api/v1/kb/error-codes/" + urllib.parse.quote("坏 代码"), same)
        self.assertEqual((status, body["error"]["field"]), (400, "code"), body)

        status, page, _ = self.agent.request("GET", "/api/v1/kb/error-codes?q=tst-e")
        self.assertEqual(status, 200, page)
        self.assertEqual(page["total"], 1)
        self.assertEqual(page["items"][0]["advice"], "请客户换卡。")
        status, page, _ = self.agent.request(
            "GET", "/api/v1/kb/error-codes?" + urllib.parse.urlencode({"category": "测试分类"}))
        self.assertEqual([c["code"] for c in page["items"]], ["TST-E01"])
        status, page, _ = self.agent.request("GET", "/api/v1/kb/error-codes?limit=5")
        self.assertEqual(len(page["items"]), 5)
        self.assertGreater(page["total"], 5)
        status, more, _ = self.agent.request(
            "GET", "/api/v1/kb/error-codes?limit=5&cursor=" + page["next_cursor"])
        self.assertNotEqual(more["items"][0]["code"], page["items"][0]["code"])
        status, hist, _ = self.agent.request("GET", path + "/versions")
        self.assertEqual(status, 200, hist)
        self.assertEqual([(v["version"], v["action"]) for v in hist["items"]],
                         [(2, "update"), (1, "create")])
        self.assertEqual(hist["items"][0]["changed_by"], "expert")
        self.assertEqual(hist["items"][1]["error_code"]["advice"], "请客户到网点核实卡片状态。")
        body = self.q(self.agent, q="卡片状态异常")
        self.assertEqual(body["items"][0]["code"], "TST-E01")
        status, body, _ = self.agent.request("GET", "/api/v1/kb/codes/tst-e01")
        self.assertEqual((body["kind"], body["error_code"]["version"]), ("error_code", 2))
        admin = login_as("admin")
        status, audit, _ = admin.request(
            "GET", "/api/v1/audit?action=kb.error_code.update&object_id=TST-E01")
        self.assertEqual(status, 200, audit)
        self.assertEqual(len(audit["items"]), 1, audit)

        # A code a transaction names cannot be deleted; another can, and its history stays.
        status, token, _ = admin.request("POST", "/api/v1/tokens",
                                         {"name": "kb-test-feed", "scopes": ["ingest.write"]})
        self.assertEqual(status, 201, token)
        feed = {"Authorization": "Bearer " + token["token"]}
        for kind, key, item in [
                ("customers", "kb-ec-c", {"cif": "KBEC0001", "name": "错误码测试"}),
                ("transactions", "kb-ec-t", {
                    "cif": "KBEC0001", "external_ref": "KBEC-T1", "kind": "purchase",
                    "direction": "out", "amount_fen": 100, "channel": "pos", "status": "failed",
                    "error_code": "TST-E01", "occurred_ms": int(time.time() * 1000)})]:
            status, body, _ = Client().request("POST", f"/api/v1/ingest/{kind}",
                                               {"items": [item]},
                                               headers=dict(feed, **{"Idempotency-Key": key}))
            self.assertEqual((status, body["accepted"]), (200, 1), body)
        status, body, _ = self.expert.request("DELETE", path)
        self.assertEqual((status, body["error"]["code"], body["error"]["field"]),
                         (409, "failed_precondition", "code"), body)
        self.assertIn("transaction", body["error"]["message"])
        status, body, _ = self.expert.request(
            "PUT", "/api/v1/kb/error-codes/TST-E02",
            {"reason": "测试临时代码", "advice": "无需处理。", "create": True})
        self.assertEqual(status, 201, body)
        self.assertEqual(self.agent.request("DELETE", "/api/v1/kb/error-codes/TST-E02")[0], 403)
        self.assertEqual(self.expert.request("DELETE", "/api/v1/kb/error-codes/TST-E02")[0], 204)
        self.assertEqual(self.expert.request("DELETE", "/api/v1/kb/error-codes/TST-E02")[0], 404)
        self.assertEqual(self.agent.request("GET", "/api/v1/kb/codes/TST-E02")[0], 404)
        status, hist, _ = self.agent.request("GET", "/api/v1/kb/error-codes/TST-E02/versions")
        self.assertEqual([v["action"] for v in hist["items"]], ["delete", "create"])
        self.assertEqual(hist["items"][0]["error_code"]["reason"], "测试临时代码")
        status, audit, _ = admin.request(
            "GET", "/api/v1/audit?action=kb.error_code.delete&object_id=TST-E02")
        self.assertEqual(len(audit["items"]), 1, audit)
        self.assertEqual(self.agent.request("GET", "/api/v1/kb/error-codes/NOPE9/versions")[0],
                         404)

    def test_categories_and_paged_list(self):
        for i in range(3):
            status, e, _ = self.expert.request("POST", "/api/v1/kb/entries", {
                "kind": "faq", "title": f"测试分类条目{i}", "body": "内容。",
                "category": "测试分页"})
            self.assertEqual(status, 201, e)
        status, cats, _ = self.agent.request("GET", "/api/v1/kb/categories")
        self.assertEqual(status, 200, cats)
        counts = {(c["kind"], c["category"]): c["count"] for c in cats["items"]}
        self.assertEqual(counts[("faq", "测试分页")], 3)
        self.assertTrue(any(k == "error_code" for k, _ in counts))
        query = urllib.parse.urlencode({"kind": "faq", "category": "测试分页", "limit": 2})
        status, page, _ = self.agent.request("GET", "/api/v1/kb/entries?" + query)
        self.assertEqual(status, 200, page)
        self.assertEqual((len(page["items"]), page["total"]), (2, 3))
        status, rest, _ = self.agent.request(
            "GET", f"/api/v1/kb/entries?{query}&cursor={page['next_cursor']}")
        self.assertEqual((len(rest["items"]), rest["next_cursor"]), (1, None))
        titles = {e["title"] for e in page["items"] + rest["items"]}
        self.assertEqual(titles, {f"测试分类条目{i}" for i in range(3)})

        # The uncategorised entries of a kind: only those, counted as the tree counts them.
        status, e, _ = self.expert.request("POST", "/api/v1/kb/entries", {
            "kind": "link", "title": "测试无分类链接", "body": "说明。", "url": "https://example.cn/x"})
        self.assertEqual(status, 201, e)
        status, cats, _ = self.agent.request("GET", "/api/v1/kb/categories")
        none = {c["kind"]: c["count"] for c in cats["items"] if c["category"] == ""}
        status, page, _ = self.agent.request(
            "GET", "/api/v1/kb/entries?kind=link&uncategorised=true&limit=100")
        self.assertEqual(status, 200, page)
        self.assertEqual(page["total"], none["link"])
        self.assertTrue(all(x["category"] == "" for x in page["items"]), page)
        self.assertIn("测试无分类链接", {x["title"] for x in page["items"]})
        status, body, _ = self.agent.request(
            "GET", "/api/v1/kb/entries?category=%E6%B5%8B%E8%AF%95&uncategorised=true")
        self.assertEqual((status, body["error"]["field"]), (400, "category"), body)
        status, body, _ = self.agent.request("GET", "/api/v1/kb/entries?uncategorised=yes")
        self.assertEqual((status, body["error"]["field"]), (400, "uncategorised"), body)

    def test_cli_search(self):
        r = kefu("kb", "search", "卡丢了怎么办", "--limit", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("银行卡丢了怎么挂失", r.stdout)


class TlsTest(unittest.TestCase):
    """Optional TLS: the same server on HTTPS/WSS, with Secure cookies."""

    def test_https_and_wss(self):
        cert, key = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
        made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                               "-keyout", key, "-out", cert, "-days", "2", "-subj",
                               "/CN=127.0.0.1"], capture_output=True, text=True)
        self.assertEqual(made.returncode, 0, made.stderr)
        port_file = os.path.join(TMP, "tls-port")
        server = subprocess.Popen(
            [KEFU, "--db", DB, "--set", "server.listen=127.0.0.1:0", "--set",
             f"server.port_file={port_file}", "--set", f"server.tls_cert={cert}", "--set",
             f"server.tls_key={key}", "serve"], cwd=TMP, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while not os.path.exists(port_file):
                self.assertIsNone(server.poll())
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            with open(port_file, encoding="utf-8") as f:
                port = int(f.read())
            ctx = ssl.create_default_context(cafile=cert)
            ctx.check_hostname = False
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
            conn.request("POST", "/api/v1/auth/login",
                         body=json.dumps({"username": "keep1", "password": PASSWORD}),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            body = json.loads(resp.read())
            self.assertEqual(resp.status, 200, body)
            cookie = resp.getheader("Set-Cookie")
            self.assertIn("Secure", cookie)
            conn.close()
            ws = WebSocket("127.0.0.1", port, "/api/v1/ws", {"Cookie": cookie.split(";")[0]},
                           tls=ctx)
            self.assertEqual(ws.status, 101)
            self.assertEqual(ws.recv()["type"], "hello")
            ws.close()
        finally:
            server.terminate()
            self.assertEqual(server.wait(timeout=15), 0)


class ZzShutdownTest(unittest.TestCase):
    def test_zz_sigterm_exits_cleanly(self):
        SERVER.send_signal(signal.SIGTERM)
        code = SERVER.wait(timeout=15)
        self.assertEqual(code, 0, SERVER.stdout.read())


if __name__ == "__main__":
    KEFU = os.path.abspath(sys.argv.pop(1))
    if "--pg" in sys.argv:
        sys.argv.remove("--pg")
        url = os.environ.get("KEFU_TEST_PG_API_URL")
        if not url:
            if os.environ.get("CI") == "true":
                sys.exit("CI=true but KEFU_TEST_PG_API_URL is not set (run through "
                         "scripts/with-postgres)")
            print("skipped: KEFU_TEST_PG_API_URL not set")
            sys.exit(0)
        os.environ["KEFU_API_TEST_DB_URL"] = url
    unittest.main(verbosity=2)
