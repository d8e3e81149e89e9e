from fastcore import APIRouter, FastCore

app = FastCore(title="Shop", version="1.0")


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


users = APIRouter(prefix="/users", tags=["users"])


@users.get("/me")
async def read_me() -> dict[str, str]:
    return {"user": "me"}


@users.get("/{user_id}")
async def read_user(user_id: int) -> dict[str, int]:
    return {"user_id": user_id}


app.include_router(users)
