"""The demo merchant, Bluebird Coffee Roasters: its products, bundles and landing pages.

Plain data only; `generator` turns it into rows and `images` draws each product's picture.
Stock levels are chosen so that a few products are low (a true scarcity trigger) and two are
sold out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cart_admin.models.types import to_money

COMPANY_NAME = "Bluebird Coffee Roasters"
COMPANY_SLUG = "bluebird-roasters"
COMPANY_TIMEZONE = "America/New_York"
CURRENCY = "USD"
SITE_URL = "https://bluebird-roasters.example"
SUPPORT_EMAIL = "hello@bluebird-roasters.example"
SUPPORT_PHONE = "+16175550142"

FREE_SHIPPING_THRESHOLD = Decimal("50.00")
SHIPPING_FEE = Decimal("5.99")
TAX_RATE = Decimal("0.08")
LOW_STOCK_THRESHOLD = 5


@dataclass(frozen=True)
class ProductSpec:
    """One catalog product; `kind`, `colour` and `label` only shape its picture."""

    slug: str
    sku: str
    name: str
    category: str
    price: Decimal
    compare_at: Decimal | None
    rating: Decimal | None
    reviews: int
    sales: int
    stock: int
    kind: str
    colour: str
    label: str
    description: str
    tags: tuple[str, ...] = ()
    launched_days_ago: int = 420

    @property
    def image_url(self) -> str:
        return f"/products/{self.slug}.svg"

    @property
    def is_coffee(self) -> bool:
        return self.category in COFFEE_CATEGORIES


@dataclass(frozen=True)
class BundleSpec:
    slug: str
    name: str
    description: str
    price: Decimal
    items: tuple[tuple[str, int], ...]  # (product slug, quantity)
    colour: str

    @property
    def image_url(self) -> str:
        return f"/bundles/{self.slug}.svg"


@dataclass(frozen=True)
class LandingPageSpec:
    slug: str
    name: str
    product_slugs: tuple[str, ...]
    launched_days_ago: int
    traffic_share: float  # of the carts made while the page is live


COFFEE_CATEGORIES = ("Single Origin", "Blends", "Decaf", "Cold Brew")
CATEGORY_CODES = {
    "Single Origin": "SO",
    "Blends": "BL",
    "Decaf": "DC",
    "Cold Brew": "CB",
    "Brewing Gear": "GR",
    "Drinkware": "DW",
    "Gifts": "GF",
}


def _product(
    slug: str,
    name: str,
    category: str,
    *,
    price: str,
    was: str | None,
    rating: str | None,
    reviews: int,
    sales: int,
    stock: int,
    look: tuple[str, str, str],
    tags: tuple[str, ...],
    about: str,
    launched_days_ago: int = 420,
) -> ProductSpec:
    """A catalog entry; `was` is the compare-at price, `look` the picture (kind, colour, label)."""
    kind, colour, label = look
    initials = "".join(word[0] for word in slug.split("-")).upper()
    return ProductSpec(
        slug=slug,
        sku=f"BB-{CATEGORY_CODES[category]}-{initials}",
        name=name,
        category=category,
        price=to_money(price),
        compare_at=to_money(was) if was else None,
        rating=Decimal(rating) if rating else None,
        reviews=reviews,
        sales=sales,
        stock=stock,
        kind=kind,
        colour=colour,
        label=label,
        description=about,
        tags=tags,
        launched_days_ago=launched_days_ago,
    )


SO, BL, DC, CB, GEAR, DRINK, GIFT = (
    "Single Origin",
    "Blends",
    "Decaf",
    "Cold Brew",
    "Brewing Gear",
    "Drinkware",
    "Gifts",
)

# fmt: off
PRODUCTS: tuple[ProductSpec, ...] = (
    _product("ethiopia-yirgacheffe-natural", "Ethiopia Yirgacheffe Natural", SO,
             price="21.00", was="24.00", rating="4.8", reviews=1243, sales=3120, stock=64,
             look=("bag", "#c2553f", "YIRGACHEFFE"), tags=("light-roast", "fruity", "ethiopia"),
             about="Blueberry, jasmine and dark chocolate from sun-dried cherries grown at 2,000"
                   " m. 12 oz whole bean."),
    _product("ethiopia-guji-washed", "Ethiopia Guji Washed", SO,
             price="20.00", was=None, rating="4.7", reviews=486, sales=1210, stock=4,
             look=("bag", "#d9864a", "GUJI"), tags=("light-roast", "floral", "ethiopia"),
             about="Bergamot, peach and black tea; a clean, bright washed lot from the Guji "
                   "zone. 12 oz."),
    _product("colombia-huila-supremo", "Colombia Huila Supremo", SO,
             price="18.50", was=None, rating="4.6", reviews=912, sales=2450, stock=130,
             look=("bag", "#8f5a3c", "HUILA"), tags=("medium-roast", "balanced", "colombia"),
             about="Caramel, red apple and milk chocolate. Our everyday single origin. 12 oz."),
    _product("kenya-nyeri-aa", "Kenya Nyeri AA", SO,
             price="23.00", was="26.00", rating="4.7", reviews=358, sales=980, stock=3,
             look=("bag", "#a23b3b", "NYERI AA"), tags=("light-roast", "juicy", "kenya"),
             about="Blackcurrant, grapefruit and a syrupy body from smallholder washing "
                   "stations. 12 oz."),
    _product("guatemala-huehuetenango", "Guatemala Huehuetenango", SO,
             price="19.00", was=None, rating="4.5", reviews=401, sales=1105, stock=85,
             look=("bag", "#b9733b", "HUEHUE"), tags=("medium-roast", "sweet", "guatemala"),
             about="Toffee, orange zest and almond from the high Cuchumatanes. 12 oz."),
    _product("sumatra-mandheling-dark", "Sumatra Mandheling Dark", SO,
             price="18.00", was=None, rating="4.3", reviews=297, sales=860, stock=70,
             look=("bag", "#5b3a29", "SUMATRA"), tags=("dark-roast", "earthy", "indonesia"),
             about="Cedar, dark cocoa and earthy spice; wet-hulled and roasted dark. 12 oz."),
    _product("costa-rica-tarrazu-honey", "Costa Rica Tarrazu Honey", SO,
             price="22.00", was=None, rating="4.6", reviews=214, sales=640, stock=0,
             look=("bag", "#d8a24a", "TARRAZU"), tags=("medium-roast", "sweet", "costa-rica"),
             about="Honey-processed: brown sugar, apricot and a round, creamy body. 12 oz."),
    _product("panama-boquete-geisha", "Panama Boquete Geisha", SO,
             price="48.00", was="55.00", rating="4.9", reviews=126, sales=310, stock=2,
             look=("bag", "#b0476b", "GEISHA"), tags=("light-roast", "reserve", "panama"),
             about="Our rarest lot: jasmine, mango and honeysuckle. Limited release, 8 oz."),
    _product("rwanda-huye-mountain", "Rwanda Huye Mountain", SO,
             price="21.50", was=None, rating=None, reviews=0, sales=40, stock=48,
             look=("bag", "#c66b3d", "RWANDA"), tags=("light-roast", "new-arrival", "rwanda"),
             launched_days_ago=12,
             about="New harvest: red grape, hibiscus and raw sugar from Huye's volcanic slopes. "
                   "12 oz."),
    _product("bluebird-house-blend", "Bluebird House Blend", BL,
             price="16.00", was=None, rating="4.6", reviews=2847, sales=8900, stock=240,
             look=("bag", "#2f5d8a", "HOUSE"), tags=("medium-roast", "bestseller", "blend"),
             about="The blend we drink every morning: milk chocolate, hazelnut and a smooth "
                   "finish. 12 oz."),
    _product("morning-song-breakfast-blend", "Morning Song Breakfast Blend", BL,
             price="16.50", was=None, rating="4.4", reviews=733, sales=2100, stock=150,
             look=("bag", "#e0a43a", "MORNING SONG"), tags=("light-roast", "blend"),
             about="Light and lively: honey, citrus and toasted grain. 12 oz."),
    _product("nightjar-espresso-blend", "Nightjar Espresso Blend", BL,
             price="18.00", was="20.00", rating="4.7", reviews=1018, sales=2760, stock=110,
             look=("bag", "#3d2a22", "NIGHTJAR"), tags=("espresso", "medium-dark", "blend"),
             about="Built for espresso and milk drinks: dark chocolate, cherry and molasses. 12 "
                   "oz."),
    _product("fireside-french-roast", "Fireside French Roast", BL,
             price="16.00", was=None, rating="4.2", reviews=389, sales=1190, stock=95,
             look=("bag", "#6b2f1f", "FIRESIDE"), tags=("dark-roast", "blend"),
             about="Smoky, bold and low in acidity for those who like it dark. 12 oz."),
    _product("swiss-water-decaf-colombia", "Swiss Water Decaf Colombia", DC,
             price="19.00", was=None, rating="4.1", reviews=264, sales=720, stock=60,
             look=("bag", "#4f7a6a", "DECAF"), tags=("decaf", "colombia"),
             about="Chemical-free Swiss Water decaf with cocoa and brown sugar. 12 oz."),
    _product("half-caff-dawn-blend", "Half-Caff Dawn Blend", DC,
             price="17.00", was=None, rating="3.9", reviews=118, sales=330, stock=45,
             look=("bag", "#9a7b5b", "HALF-CAFF"), tags=("decaf", "blend"),
             about="Half regular, half decaf: all the flavour, half the jitters. 12 oz."),
    _product("cold-brew-concentrate-4-pack", "Cold Brew Concentrate 4-Pack", CB,
             price="24.00", was="27.00", rating="4.5", reviews=342, sales=1020, stock=75,
             look=("coldbrew", "#7b4a2e", "COLD BREW"), tags=("cold-brew", "ready-to-drink"),
             about="Four 12 oz bottles of slow-steeped concentrate; mix 1:1 with water or milk."),
    _product("cold-brew-pitcher-packs", "Cold Brew Pitcher Packs (12 ct)", CB,
             price="19.50", was=None, rating="4.4", reviews=211, sales=640, stock=0,
             look=("pouches", "#a86a3d", "PITCHER"), tags=("cold-brew", "easy"),
             about="Twelve pre-ground filter packs: drop one in a pitcher, wait 18 hours, enjoy."),
    _product("ceramic-pour-over-dripper", "Ceramic Pour-Over Dripper", GEAR,
             price="32.00", was="38.00", rating="4.7", reviews=655, sales=1480, stock=40,
             look=("dripper", "#d96c4a", ""), tags=("pour-over", "ceramic"),
             about="Hand-glazed ceramic cone with spiral ribs for an even, clear cup. Fits #2 "
                   "filters."),
    _product("unbleached-paper-filters", "Unbleached Paper Filters (100 ct)", GEAR,
             price="8.50", was=None, rating="4.8", reviews=1422, sales=4100, stock=300,
             look=("filters", "#c9a27a", ""), tags=("pour-over", "essentials"),
             about="Natural brown #2 cone filters; rinse once for a paper-free taste."),
    _product("conical-burr-grinder", "Conical Burr Grinder", GEAR,
             price="149.00", was="179.00", rating="4.6", reviews=508, sales=690, stock=5,
             look=("grinder", "#5a4034", ""), tags=("grinder", "electric"),
             about="40 grind settings from espresso to French press; steel conical burrs, quiet "
                   "motor."),
    _product("gooseneck-electric-kettle", "Gooseneck Electric Kettle", GEAR,
             price="79.00", was="95.00", rating="4.7", reviews=744, sales=1130, stock=26,
             look=("kettle", "#b87333", ""), tags=("pour-over", "electric"),
             about="Variable temperature, 60-minute hold and a precise pour spout. 0.9 L."),
    _product("precision-brew-scale", "Precision Brew Scale", GEAR,
             price="54.00", was=None, rating="4.5", reviews=389, sales=610, stock=33,
             look=("scale", "#6d5a4b", ""), tags=("pour-over", "scale"),
             about="0.1 g resolution with a built-in timer; water-resistant top."),
    _product("glass-french-press", "Glass French Press (34 oz)", GEAR,
             price="39.00", was=None, rating="4.4", reviews=276, sales=540, stock=22,
             look=("press", "#8c6a4f", ""), tags=("immersion", "glass"),
             about="Borosilicate glass, stainless four-level filter. Brews eight cups."),
    _product("bluebird-stoneware-mug", "Bluebird Stoneware Mug (12 oz)", DRINK,
             price="22.00", was=None, rating="4.9", reviews=887, sales=1950, stock=60,
             look=("mug", "#3e6f9e", ""), tags=("mug", "stoneware"),
             about="Thrown stoneware with our bluebird glaze. Dishwasher safe."),
    _product("double-wall-travel-tumbler", "Double-Wall Travel Tumbler", DRINK,
             price="29.00", was=None, rating="3.8", reviews=203, sales=480, stock=38,
             look=("tumbler", "#a0522d", ""), tags=("travel", "insulated"),
             about="Keeps coffee hot for 6 hours; leak-proof slide lid. 16 oz."),
    _product("tasting-flight-sampler", "Tasting Flight Sampler (5 x 4 oz)", GIFT,
             price="45.00", was="52.00", rating="4.8", reviews=312, sales=870, stock=18,
             look=("sampler", "#c0392b", ""), tags=("gift", "sampler"),
             about="Five of our single origins in 4 oz bags with tasting cards: the gift-card "
                   "alternative."),
)
# fmt: on


BUNDLES: tuple[BundleSpec, ...] = (
    BundleSpec(
        "pour-over-starter-kit",
        "Pour-Over Starter Kit",
        "Everything for a first pour-over: dripper, filters, gooseneck kettle and House Blend.",
        to_money("115.00"),
        (
            ("ceramic-pour-over-dripper", 1),
            ("unbleached-paper-filters", 1),
            ("gooseneck-electric-kettle", 1),
            ("bluebird-house-blend", 1),
        ),
        "#d96c4a",
    ),
    BundleSpec(
        "espresso-lovers-trio",
        "Espresso Lover's Trio",
        "Three coffees that shine as espresso: Nightjar, Sumatra and Huehuetenango.",
        to_money("47.00"),
        (
            ("nightjar-espresso-blend", 1),
            ("sumatra-mandheling-dark", 1),
            ("guatemala-huehuetenango", 1),
        ),
        "#3d2a22",
    ),
    BundleSpec(
        "bluebird-gift-box",
        "Bluebird Gift Box",
        "The tasting flight, a stoneware mug and a bag of Yirgacheffe, boxed and ribboned.",
        to_money("75.00"),
        (
            ("tasting-flight-sampler", 1),
            ("bluebird-stoneware-mug", 1),
            ("ethiopia-yirgacheffe-natural", 1),
        ),
        "#c0392b",
    ),
)

_GIFT_SLUGS = (
    "tasting-flight-sampler",
    "bluebird-stoneware-mug",
    "double-wall-travel-tumbler",
    "gooseneck-electric-kettle",
    "conical-burr-grinder",
    "ceramic-pour-over-dripper",
    "precision-brew-scale",
    "glass-french-press",
    "panama-boquete-geisha",
    "ethiopia-yirgacheffe-natural",
    "bluebird-house-blend",
)

LANDING_PAGES: tuple[LandingPageSpec, ...] = (
    LandingPageSpec("shop", "Bluebird Shop", tuple(p.slug for p in PRODUCTS), 400, 0.72),
    LandingPageSpec("holiday-gifts", "Holiday Gifts 2026", _GIFT_SLUGS, 25, 0.12),
    LandingPageSpec(
        "subscribe",
        "Subscribe & Save",
        tuple(p.slug for p in PRODUCTS if p.is_coffee),
        300,
        0.16,
    ),
)

ALLOWED_ORIGINS = [SITE_URL, "https://www.bluebird-roasters.example"]
# Each page wears a different drawer preset, so the demo shows the range.
PAGE_PRESETS = {"shop": "espresso", "holiday-gifts": "luxury", "subscribe": "natural"}
# (code, kind, value, minimum subtotal) the demo storefront's code field accepts.
DISCOUNT_CODES = (
    ("WELCOME10", "PERCENT", "10.00", None),
    ("FREESHIP", "FREE_SHIPPING", "0.00", None),
    ("SAVE5", "FIXED", "5.00", "30.00"),
)
CHECKOUT_URL = f"{SITE_URL}/checkout"
