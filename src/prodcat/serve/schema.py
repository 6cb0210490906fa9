"""The HTTP request and response bodies (pydantic), built for the configured limits so that OpenAPI states
them and a bad request is refused before it reaches the model.

    {"title": "apple iphone 15 pro"}                                  one title
    {"titles": ["apple iphone 15 pro", "nike air max 90"], "top_k": 3}  several
    {"products": [{"text": "air max 90", "brand": "Nike", "id": "sku-7"}]}  with the fields the graph reads

Exactly one of `title`, `titles`, `products`. Types are strict (42 is not a title, "5" is not a top_k),
unknown fields are refused, and a title may not be empty, whitespace only, or longer than the limit.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("empty or whitespace-only title")
    return text


class Category(BaseModel):
    id: str
    name: str
    path: list[str]
    confidence: float


class Record(BaseModel):
    """One answer, the same record `predict.py` writes for the same input."""

    model_config = ConfigDict(extra="allow")
    index: int
    id: str | int | None = None
    text: str
    truncated: bool
    unknown_token_share: float | None = None
    abstain: bool | None = None
    categories: list[Category]


class PredictResponse(BaseModel):
    predictions: list[Record]
    model_version: str


def request_model(max_title_chars: int, max_titles: int, default_top_k: int) -> type[BaseModel]:
    """The `POST /predict` body for these limits."""
    title = Annotated[str, StringConstraints(max_length=max_title_chars), AfterValidator(_not_blank)]
    optional = Annotated[str | None, StringConstraints(max_length=max_title_chars)]
    strict = ConfigDict(extra="forbid", strict=True)

    product = create_model(
        "Product", __config__=strict,
        text=(title, ...), brand=(optional, None), url=(optional, None), seller=(optional, None),
        shop_category=(optional, None), id=(str | int | None, None),
    )

    def exactly_one(self):
        given = [k for k in ("title", "titles", "products") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of 'title', 'titles', 'products' (got {given or 'none'})")
        return self

    return create_model(
        "PredictRequest", __config__=strict,
        __validators__={"exactly_one": model_validator(mode="after")(exactly_one)},
        title=(title | None, None),
        titles=(list[title] | None, Field(None, min_length=1, max_length=max_titles)),
        products=(list[product] | None, Field(None, min_length=1, max_length=max_titles)),
        top_k=(int, Field(default_top_k, ge=1)),
    )


def items_of(body: Any) -> list[dict]:
    """The request's inputs as the dicts `predict.py` reads from a JSONL file (`text`, `brand`, ...)."""
    if body.title is not None:
        return [{"text": body.title}]
    if body.titles is not None:
        return [{"text": t} for t in body.titles]
    return [p.model_dump(exclude_none=True) for p in body.products]


# pydantic names the union member or validator it tried inside a location ('id', 'int'); the client's field
# is what matters, so those parts are dropped
_TAGS = {"str", "int", "float", "bool", "none", "constrained-str"}


def field_name(loc: tuple, kind: str = "") -> str:
    """pydantic's error location -> the field as a client writes it: ('body', 'titles', 3) -> 'titles[3]'."""
    if kind == "json_invalid":
        return "body"
    out = ""
    for p in loc[1:] if loc and loc[0] == "body" else loc:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p in _TAGS or "[" in p or "(" in p:
            continue
        else:
            out += f".{p}" if out else str(p)
    return out or "body"
