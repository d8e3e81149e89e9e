from typing import Annotated

from fastcore import Depends, FastAPI
from fastcore.security import HTTPBasic, HTTPBasicCredentials

app = FastAPI()
basic = HTTPBasic(realm="shop")


@app.get("/me")
def me(creds: Annotated[HTTPBasicCredentials, Depends(basic)]) -> dict:
    return {"username": creds.username}
