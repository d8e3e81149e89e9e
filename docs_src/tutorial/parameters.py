from typing import Annotated

from fastcore import Cookie, FastCore, Header, Query

app = FastCore()


@app.get("/search")
async def search(
    q: Annotated[str, Query(min_length=2, max_length=50, pattern="^[a-z ]+$")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    tag: Annotated[list[str], Query()] = [],
    user_agent: Annotated[str | None, Header()] = None,  # the User-Agent header
    session: Annotated[str | None, Cookie()] = None,
) -> dict[str, object]:
    return {"q": q, "limit": limit, "tag": tag, "user_agent": user_agent, "session": session}
