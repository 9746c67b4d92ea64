"""A staff member using the web inbox over HTTP, as a browser would (cookies, CSRF tokens)."""
from __future__ import annotations

import re

import httpx


class StaffClient:
    def __init__(self, base_url: str, login: str, password: str) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=True, timeout=30.0)
        page = self.http.get("/login").text
        response = self.http.post("/login", data={"login": login, "password": password, "csrf": self._csrf(page)})
        assert response.status_code == 200 and "Abmelden" in response.text, "login failed"

    @staticmethod
    def _csrf(page: str) -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def case_page(self, case_id: str) -> str:
        response = self.http.get(f"/cases/{case_id}")
        response.raise_for_status()
        return response.text

    def act(self, case_id: str, action: str, **fields: str) -> str:
        return self.act_from_page(case_id, action, self.case_page(case_id), **fields)

    def act_from_page(self, case_id: str, action: str, page: str, **fields: str) -> str:
        """Submit one of the case page's forms, as a browser does from the page it shows."""
        response = self.http.post(f"/cases/{case_id}/{action}", data={"csrf": self._csrf(page), **fields})
        response.raise_for_status()
        return response.text

    def close(self) -> None:
        self.http.close()
