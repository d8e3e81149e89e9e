from fastcore import APIRouter, Depends, FastAPI, HTTPException, Request

app = FastAPI()


@app.get("/api/users")
def users() -> list[dict[str, str]]:
    return [{"name": "jane"}]


def staff_only(request: Request) -> None:
    if request.cookies.get("role") != "staff":
        raise HTTPException(status_code=401)


admin = APIRouter(dependencies=[Depends(staff_only)])
admin.frontend("/", directory="admin-dist", fallback="index.html")
app.include_router(admin, prefix="/admin")

app.frontend("/", directory="dist")
