from typing import Annotated

from fastcore import FastAPI, File, Form, UploadFile

app = FastAPI()


@app.post("/login")
def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> dict:
    return {"username": username}


@app.post("/upload")
async def upload(file: UploadFile, note: Annotated[str, Form()] = "") -> dict:
    data = await file.read()
    return {"filename": file.filename, "size": len(data), "type": file.content_type, "note": note}


@app.post("/photos")
async def photos(files: list[UploadFile], thumbs: Annotated[list[bytes], File()] = []) -> dict:
    return {"names": [f.filename for f in files], "thumbs": len(thumbs)}
