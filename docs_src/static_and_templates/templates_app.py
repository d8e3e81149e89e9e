from fastcore import FastAPI, Request
from fastcore.templating import Jinja2Templates

app = FastAPI()
templates = Jinja2Templates(directory="templates")


@app.get("/items/{item_id}")
async def read_item(request: Request, item_id: int):
    return templates.TemplateResponse(request, "item.html", {"id": item_id})
