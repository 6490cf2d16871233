"""The analytics downloads: each report table as a CSV file and the one-page PDF report, for
`?from=&to=` (UTC days, both included; default the last 30 days) and `?attributionHours=`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from cart_admin.api.analytics import WindowDep
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep
from cart_admin.api.periods import Period, PeriodDep
from cart_admin.domain.analytics.exports import pdf_report, table_csv
from cart_admin.domain.analytics.report import TABLES, build_report
from cart_admin.models import Company

router = APIRouter(
    prefix="/api/momentum/cart-intelligence", tags=["analytics"], route_class=AdminRoute
)


def _attachment(content: str | bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _days(period: Period) -> str:
    return f"{period.first_day.isoformat()}-to-{period.last_day.isoformat()}"


@router.get(
    "/export/{table}.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The table as a CSV file."},
        404: {"description": "No such table."},
    },
)
def export_table(
    table: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodDep,
    window: WindowDep,
) -> Response:
    """One table of the report (the names of `TABLES`) as a CSV file."""
    if table not in TABLES:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"There is no table '{table}'. The tables are: {', '.join(TABLES)}.",
        )
    report = build_report(
        session, company_id=principal.company_id, start=period.start, end=period.end, window=window
    )
    return _attachment(
        table_csv(report, table), "text/csv; charset=utf-8", f"recovery-{table}-{_days(period)}.csv"
    )


@router.get(
    "/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The one-page report."}},
)
def report_pdf(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodDep,
    window: WindowDep,
    now: NowDep,
) -> Response:
    """The period's report on one A4 page, in the company's currency."""
    company = session.get(Company, principal.company_id)
    assert company is not None
    report = build_report(
        session, company_id=company.id, start=period.start, end=period.end, window=window
    )
    content = pdf_report(
        report, company_name=company.name, currency=company.currency, generated_at=now
    )
    return _attachment(content, "application/pdf", f"recovery-report-{_days(period)}.pdf")
