"""The accessibility statement ("tilgængelighedserklæring") at ``/tilgaengelighed``, linked from every page.

Danish public-sector websites must publish one (lov nr. 692 af 08/06/2018 om tilgængelighed af
offentlige organers websteder og mobilapplikationer): the status of compliance with WCAG 2.1 AA,
the known issues, how the site was checked, a contact and the enforcement body
(Digitaliseringsstyrelsen). The checks named here are the project's own browser tests.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict

from kommunebench import settings
from kommunebench.api.twins import Pages

__all__ = ["pages", "AccessibilityPage", "KNOWN_ISSUES"]

pages = Pages()

KNOWN_ISSUES = (
    "Kortet og diagrammerne (plotly) kan ikke betjenes med tastaturet alene. De samme tal findes i tabellerne "
    "på siderne og som CSV, Excel og JSON.",
    "Diagrammerne har en kort tekstbeskrivelse, men ikke en fuld beskrivelse af hver enkelt værdi; brug "
    "tabellen under diagrammet.",
    "PDF-rapporten og Excel-arket er ikke mærket (tagget) til skærmlæsere; tallene findes også på siden om kommunen.",
)


class AccessibilityPage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    standard: str
    status: str
    known_issues: list[str]
    contact: str
    enforcement_url: str


@pages.web.get("/tilgaengelighed", response_class=HTMLResponse)
def accessibility_page(request: Request) -> HTMLResponse:
    """Tilgængelighedserklæringen (Danish, as Danish public-sector websites must have)."""
    data = AccessibilityPage(
        standard="WCAG 2.1 niveau AA",
        status="delvist overholdt",
        known_issues=list(KNOWN_ISSUES),
        contact=settings.get_str("accessibility_contact"),
        enforcement_url="https://www.was.digst.dk/",
    )
    return request.app.state.render(request, "tilgaengelighed.html", data, api_path=False)
