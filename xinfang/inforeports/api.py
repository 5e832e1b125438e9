"""The 信息报送 API. Same conventions as petitions: scoped lists `{count, page, page_size, items}`,
404 outside scope, steps answer 403 / 409 / 422 with Chinese messages."""

from ninja import Router

router = Router(tags=["信息报送"])
