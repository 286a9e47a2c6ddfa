"""What every view needs: its session, parameters read strictly, the article or a 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException

from store.models import Article

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from starlette.requests import Request


def reader(request: Request) -> Session:
    return request.app.state.store.reader()


def int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise HTTPException(400, f"{name} must be a whole number")
    return int(value)


def time_param(request: Request, name: str, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or time (UTC unless it says); a bare date as ``until`` means that whole day."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(400, f"{name}: use an ISO date or time such as 2025-10-07 or 2025-10-07T14:05Z") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if end_of_day and len(value) == 10:
        moment += timedelta(days=1)
    return moment


def article_or_404(s: Session, article_id: int) -> Article:
    article = s.get(Article, article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id} in the archive")
    return article
