"""An ordinary FastAPI app, written for FastAPI and not changed for fastcore."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer
from fastapi_health import health
from pydantic import BaseModel, Field

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


class Item(BaseModel):
    name: str
    price: float = Field(gt=0)
    tags: list[str] = []


ITEMS: dict[int, Item] = {1: Item(name="Hammer", price=9.5, tags=["tools"])}


def pagination(skip: int = 0, limit: Annotated[int, Query(le=100)] = 10) -> dict[str, int]:
    return {"skip": skip, "limit": limit}


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    if token != "secret":
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return "alice"


def database_online() -> bool:
    return True


router = APIRouter(prefix="/items", tags=["items"])


@router.get("/")
def list_items(page: Annotated[dict[str, int], Depends(pagination)]) -> dict:
    names = [item.name for item in ITEMS.values()]
    return {"items": names[page["skip"] : page["skip"] + page["limit"]], **page}


@router.get("/{item_id}", response_model=Item)
async def read_item(item_id: int) -> Item:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_item(item: Item, user: Annotated[str, Depends(current_user)]) -> dict:
    item_id = max(ITEMS) + 1
    ITEMS[item_id] = item
    return {"id": item_id, "owner": user, **item.model_dump()}


app = FastAPI(title="Inventory")
app.include_router(router)
app.add_api_route("/health", health([database_online]))


@app.exception_handler(RequestValidationError)
async def validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={"errors": [{"loc": list(e["loc"]), "type": e["type"]} for e in exc.errors()]},
    )
