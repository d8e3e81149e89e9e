# The one line a FastAPI project adds to run its unchanged code and tests on fastcore.
import fastcore.alias

fastcore.alias.install()
