from typing import Annotated

import msgspec

from fastcore import Depends, FastAPI, HTTPException
from fastcore.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

app = FastAPI()
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
USERS = {"alice": "wonderland"}  # use a password hash in real code


class Token(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"


@app.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    # form.username, form.password, form.scopes, form.client_id, form.client_secret
    if USERS.get(form.username) != form.password:
        raise HTTPException(400, "Incorrect username or password")
    return Token(access_token=f"token-of-{form.username}")


@app.get("/me")
async def me(token: Annotated[str, Depends(oauth2)]) -> dict[str, str]:
    return {"user": token.removeprefix("token-of-")}
