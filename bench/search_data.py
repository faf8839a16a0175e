"""The ads bench/search.py searches: generated from a seed (the same seed, the same ads), loaded into a
migrated database (PostgreSQL: COPY; SQLite: executemany batches, the FTS5 triggers indexing as they
go), then ANALYZEd (PostgreSQL: VACUUM ANALYZE).

The distribution: vehicle types as a classifieds site lists them (mostly cars); brands of a type by a
Zipf law over a popularity order that puts Russia's and Kazakhstan's best sellers first, models of a
brand likewise (the models the catalog knows generations of first); age, mileage and price correlated
(older: more km, cheaper; prices log-normal around the modification's new price or the brand's tier);
cities of Russia and Kazakhstan by population, the ad at its city's coordinates with the city's region
and country, as the market worker places an ad; a tenth of the owners' ads from dealers."""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import normalize_url
from storage.models.catalog import (
    BodyType,
    Brand,
    Color,
    DriveType,
    FuelType,
    Generation,
    Modification,
    Transmission,
    VehicleModel,
    VehicleType,
)
from storage.models.identity import User
from storage.models.market import Listing, VehicleAttributes
from storage.models.places import City, Country

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)  # "now" for the generated ads: fixed, so a seed is one data set
THIS_YEAR = AS_OF.year
MARKETS = ("RU", "KZ")
# Vehicle type slug: share of the ads, the category (seeded ids 1-4, storage/reference/categories.py).
TYPES = {"cars": (0.86, 1), "trucks": (0.07, 2), "motorcycles": (0.05, 3), "boats": (0.02, 4)}
# Popularity order per vehicle type, best sellers first (brands the catalog lacks are skipped); the
# other brands follow, the catalog's "popular" ones first.
LEADERS = {
    "cars": ["Lada", "Toyota", "Hyundai", "Kia", "Chevrolet", "Volkswagen", "Nissan", "Renault", "Skoda",
             "Mercedes-Benz", "BMW", "Haval", "Chery", "Geely", "Mitsubishi", "Mazda", "Ford", "Audi",
             "Lexus", "Daewoo", "Honda", "Subaru", "Opel", "Changan", "Exeed", "Omoda", "Tank", "Jetour",
             "Moskvich", "UAZ", "Land Rover", "Porsche", "Infiniti", "Volvo", "Suzuki", "Peugeot"],
    "trucks": ["GAZ", "KAMAZ", "Howo", "Shacman", "Sitrak", "MAZ", "Mercedes-Benz", "Volvo Trucks",
               "Scania", "MAN", "Isuzu", "Hyundai", "Ford", "Foton", "JAC", "DAF", "Ural"],
    "motorcycles": ["Honda", "Yamaha", "Kawasaki", "Suzuki", "BMW", "Harley-Davidson", "KTM", "Stels",
                    "CFMoto", "Ducati", "Ural", "Ski-Doo", "Polaris"],
    "boats": ["Kazanka", "Yamaha", "Sea-Doo", "Buster", "Progress", "Bayliner", "Quicksilver", "Sea Ray"],
}  # fmt: skip
PREMIUM = {"Mercedes-Benz", "BMW", "Audi", "Lexus", "Porsche", "Land Rover", "Volvo", "Infiniti", "Genesis",
           "Cadillac", "Maserati", "Bentley", "Rolls-Royce", "Ferrari", "Lamborghini", "Aston Martin",
           "Maybach", "Aurus", "McLaren", "Bugatti", "Tesla", "Zeekr", "Li Auto", "Voyah", "Hongqi",
           "Jaguar", "Lincoln", "Tank", "Exeed"}  # fmt: skip
BUDGET = {"Lada", "Daewoo", "Ravon", "ZAZ", "UAZ", "GAZ", "Moskvich", "Datsun", "Lifan", "IZh", "TagAZ",
          "Chevrolet", "Renault", "Vortex", "Zotye"}  # fmt: skip
# A new vehicle's price in roubles, when the catalog gives no modification's.
NEW_PRICE = {"cars": 2_800_000, "trucks": 6_500_000, "motorcycles": 900_000, "boats": 2_500_000}
KM_PER_YEAR = {"cars": 16_000, "trucks": 60_000, "motorcycles": 4_000}
STATUSES = {
    "active": 0.88,
    "pending": 0.04,
    "archived": 0.03,
    "expired": 0.03,
    "rejected": 0.01,
    "draft": 0.01,
}
COLORS = {"white": 22, "black": 20, "silver": 14, "grey": 14, "blue": 8, "red": 6, "brown": 4, "beige": 3,
          "green": 3, "burgundy": 2, "light-blue": 1, "yellow": 1, "orange": 1, "gold": 1, "purple": 1}  # fmt: skip
# Without a modification: the type's usual body, fuel, gearbox and drive, by share.
BODIES = {
    "cars": {"sedan": 30, "crossover": 25, "suv": 15, "hatchback": 12, "wagon": 6, "liftback": 5,
             "minivan": 3, "coupe": 2, "pickup": 2},
    "trucks": {"flatbed-truck": 20, "box-truck": 20, "tractor-unit": 20, "dump-truck": 15, "van": 15,
               "minibus": 5, "bus": 5},
}  # fmt: skip
FUELS = {"cars": {"petrol": 82, "diesel": 10, "hybrid": 4, "electric": 2, "lpg": 2},
         "trucks": {"diesel": 90, "petrol": 8, "cng": 2}, "motorcycles": {"petrol": 97, "electric": 3},
         "boats": {"petrol": 100}}  # fmt: skip
GEARBOXES = {"cars": {"automatic": 50, "manual": 30, "cvt": 10, "robot": 10},
             "trucks": {"manual": 80, "automatic": 15, "robot": 5}, "motorcycles": {"manual": 100}}  # fmt: skip
DRIVES = {"cars": {"fwd": 55, "awd": 25, "4wd": 12, "rwd": 8}, "trucks": {"rwd": 50, "4wd": 30, "awd": 20}}
VOLUMES = {"cars": {1.4: 10, 1.6: 35, 1.8: 8, 2.0: 22, 2.5: 12, 3.0: 6, 3.5: 4, 4.4: 3},
           "trucks": {2.8: 20, 4.4: 20, 6.7: 20, 11.0: 25, 12.8: 15},
           "motorcycles": {0.25: 20, 0.4: 20, 0.65: 25, 0.9: 15, 1.2: 15, 1.8: 5}}  # fmt: skip
PHRASES = (
    "Один владелец",
    "Не бит, не крашен",
    "Обслуживание у официального дилера",
    "Торг уместен",
    "Зимняя резина в подарок",
    "Полный комплект ключей",
    "Сервисная книжка",
    "Срочная продажа",
    "Состояние отличное",
    "Кредит, лизинг, трейд-ин",
    "Обмен не интересует",
    "Вложений не требует",
    "Масло не ест",
    "Оригинальный ПТС",
    "Гаражное хранение",
    "Подогрев сидений",
    "Камера заднего вида",
    "Full service history",
    "Original paint",
    "Clean title",
    "Second owner",
    "No accidents",
)
VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q in a VIN
DEALER_SHARE = 0.15  # of the ads
BATCH = 20_000  # ads generated, and written, at a time


def zipf(count: int, s: float = 1.0) -> list[float]:
    """Cumulative Zipf weights of `count` ranks."""
    return list(itertools.accumulate(1 / (rank + 1) ** s for rank in range(count)))


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


@dataclass
class Model:
    id: int
    name: str
    vehicle_type: str
    year_from: int
    year_to: int
    generations: list[tuple[Generation, list[Modification]]] = field(default_factory=list)


@dataclass
class BrandModels:
    id: int
    name: str
    models: list[Model]  # most popular first
    weights: list[float]


@dataclass
class Place:
    id: int
    name: str
    region_id: int | None
    country_id: int
    latitude: float
    longitude: float
    population: int


@dataclass
class Reference:
    """The catalog as the migration loaded it, arranged for drawing from."""

    brands: dict[str, tuple[list[BrandModels], list[float]]]  # per vehicle type, by popularity
    cities: list[Place]  # Russia's and Kazakhstan's, most populous first
    city_weights: list[float]
    ids: dict[str, dict[str, int]]  # slug -> id of each plain reference list

    def draw_city(self, rng: random.Random) -> Place:
        return self.cities[bisect.bisect(self.city_weights, rng.random() * self.city_weights[-1])]

    def draw_brand(self, rng: random.Random, vehicle_type: str) -> BrandModels:
        brands, weights = self.brands[vehicle_type]
        return brands[bisect.bisect(weights, rng.random() * weights[-1])]


async def reference(db: AsyncSession) -> Reference:
    ids: dict[str, dict[str, int]] = {}
    for name, table in (("types", VehicleType), ("bodies", BodyType), ("fuels", FuelType),
                        ("gearboxes", Transmission), ("drives", DriveType), ("colors", Color)):  # fmt: skip
        ids[name] = {row.slug: row.id for row in (await db.execute(select(table.slug, table.id)))}
    type_slug = {type_id: slug for slug, type_id in ids["types"].items()}
    modifications: dict[int, list[Modification]] = {}
    for mod in (await db.scalars(select(Modification).order_by(Modification.id))).all():
        modifications.setdefault(mod.generation_id, []).append(mod)
    generations: dict[int, list[tuple[Generation, list[Modification]]]] = {}
    for gen in (await db.scalars(select(Generation).order_by(Generation.id))).all():
        generations.setdefault(gen.model_id, []).append((gen, modifications.get(gen.id, [])))
    models: dict[tuple[int, str], list[Model]] = {}
    for m in (await db.scalars(select(VehicleModel).order_by(VehicleModel.id))).all():
        kind = type_slug[m.vehicle_type_id]
        model = Model(m.id, m.name, kind, m.year_from or 1995, min(m.year_to or THIS_YEAR, THIS_YEAR),
                      generations.get(m.id, []))  # fmt: skip
        models.setdefault((m.brand_id, kind), []).append(model)
    brands = (await db.scalars(select(Brand).order_by(Brand.id))).all()
    by_type: dict[str, tuple[list[BrandModels], list[float]]] = {}
    for kind in TYPES:
        leaders = {name: rank for rank, name in enumerate(LEADERS[kind])}
        ranked = sorted(
            (b for b in brands if (b.id, kind) in models),
            key=lambda b: (leaders.get(b.name, len(leaders)), not b.is_popular, b.id),
        )
        arranged = []
        for b in ranked:
            # The models the catalog curated generations for are the best sellers.
            own = sorted(models[b.id, kind], key=lambda m: -len(m.generations))
            arranged.append(BrandModels(b.id, b.name, own, zipf(len(own))))
        by_type[kind] = (arranged, zipf(len(arranged), 1.1))
    rows = await db.execute(
        select(City, Country.iso2).join(Country, Country.id == City.country_id)
        .where(Country.iso2.in_(MARKETS)).order_by(City.population.desc(), City.id)
    )  # fmt: skip
    cities = [Place(c.id, c.name, c.region_id, c.country_id, c.latitude, c.longitude, c.population)
              for c, _iso2 in rows]  # fmt: skip
    return Reference(by_type, cities, cumulative([c.population for c in cities]), ids)


def pick(rng: random.Random, shares: Mapping[Any, float]) -> Any:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


@dataclass
class Owners:
    """Users 1..dealers are dealers (a few, each with many ads); the rest private sellers."""

    dealers: int
    private: int
    dealer_weights: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.dealer_weights = zipf(self.dealers, 0.8)

    @classmethod
    def for_ads(cls, ads: int) -> Owners:
        return cls(dealers=max(5, ads // 2000), private=max(20, ads // 3))

    def draw(self, rng: random.Random) -> tuple[int, bool]:
        if rng.random() < DEALER_SHARE:
            return 1 + bisect.bisect(self.dealer_weights, rng.random() * self.dealer_weights[-1]), True
        return self.dealers + 1 + rng.randrange(self.private), False

    def rows(self) -> Iterator[dict[str, Any]]:
        seeded = uuid.UUID(int=14)
        for user_id in range(1, self.dealers + self.private + 1):
            dealer = user_id <= self.dealers
            name = f"dealer{user_id}" if dealer else f"seller{user_id}"
            yield {"id": user_id, "public_id": str(uuid.uuid5(seeded, name)), "username": name,
                   "username_normalized": name, "role": "dealer" if dealer else "user",
                   "full_name": f"Автосалон {user_id}" if dealer else None, "created_at": AS_OF,
                   "updated_at": AS_OF}  # fmt: skip


class Generator:
    """One ad after another, each from the same random stream: the n-th ad of a seed is always the same."""

    def __init__(self, ref: Reference, owners: Owners, seed: int) -> None:
        self.ref, self.owners, self.rng = ref, owners, random.Random(seed)
        self.type_weights = cumulative([share for share, _ in TYPES.values()])

    def ad(self, ad_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        rng, ids = self.rng, self.ref.ids
        kind = list(TYPES)[bisect.bisect(self.type_weights, rng.random() * self.type_weights[-1])]
        brand = self.ref.draw_brand(rng, kind)
        model = brand.models[bisect.bisect(brand.weights, rng.random() * brand.weights[-1])]
        new = rng.random() < 0.08 and model.year_to >= THIS_YEAR - 1  # still made
        year = self._year(model, new)
        generation, mod = self._modification(model, year)
        if generation is not None and not (generation.year_from or 0) <= year <= (generation.year_to or year):
            year = rng.randint(generation.year_from or model.year_from, generation.year_to or model.year_to)
        age = max(0, THIS_YEAR - year)
        mileage = self._mileage(kind, age, new)
        city = self.ref.draw_city(rng)
        owner_id, dealer = self.owners.draw(rng)
        status = pick(rng, STATUSES)
        created = AS_OF - timedelta(days=min(365.0, rng.expovariate(1 / 30)), seconds=rng.randrange(86400))
        published = created + timedelta(minutes=rng.randint(20, 1440)) if status in (
            "active", "archived", "expired") else None  # fmt: skip
        expires = None
        if published is not None:
            expires = published + timedelta(days=30)
            if status == "active" and expires < AS_OF:  # renewed by its owner
                expires = AS_OF + timedelta(days=rng.randint(1, 30))
        title = f"{brand.name} {model.name}"
        if mod is not None and rng.random() < 0.3:
            title += f" {mod.name}"
        volume, power = self._engine(kind, mod)
        listing = {
            "id": ad_id, "owner_id": owner_id, "kind": "vehicle", "category_id": TYPES[kind][1],
            "title": f"{title}, {year}"[:200], "description": self._description(mileage, city.name),
            "price": self._price(kind, brand.name, mod, age), "currency": "RUB", "status": status,
            "city_id": city.id, "region_id": city.region_id, "country_id": city.country_id,
            "latitude": city.latitude, "longitude": city.longitude, "created_at": created,
            "updated_at": published or created, "published_at": published, "expires_at": expires,
            "views_count": int(rng.lognormvariate(3.5, 1.2)) if published else 0,
            "images_count": rng.randint(1, 20) if rng.random() < 0.3 else 0,
            "rejection_reason": "Фотографии не соответствуют описанию" if status == "rejected" else None,
        }  # fmt: skip
        vehicle = {
            "listing_id": ad_id, "vehicle_type_id": ids["types"][kind], "brand_id": brand.id,
            "model_id": model.id, "generation_id": generation and generation.id,
            "modification_id": mod and mod.id,
            "body_type_id": mod.body_type_id if mod else self._named("bodies", BODIES.get(kind)),
            "transmission_id": mod.transmission_id if mod else self._named("gearboxes", GEARBOXES.get(kind)),
            "fuel_type_id": mod.fuel_type_id if mod else self._named("fuels", FUELS.get(kind)),
            "drive_type_id": mod.drive_type_id if mod else self._named("drives", DRIVES.get(kind)),
            "color_id": ids["colors"][pick(rng, COLORS)], "year": year, "mileage": mileage,
            "engine_volume": volume, "engine_power": power, "condition": "new" if new else "used",
            "vin": self._vin() if kind in ("cars", "trucks") and rng.random() < 0.45 else None,
            "is_dealer": dealer,
        }  # fmt: skip
        return listing, vehicle

    def _year(self, model: Model, new: bool) -> int:
        if new:
            year = THIS_YEAR - (self.rng.random() < 0.3)
        else:
            year = THIS_YEAR - int(self.rng.gammavariate(2.0, 3.5))
        if model.year_from <= year <= model.year_to:
            return year
        return self.rng.randint(model.year_from, max(model.year_from, model.year_to))

    def _modification(self, model: Model, year: int) -> tuple[Generation | None, Modification | None]:
        if not model.generations:
            return None, None
        fitting = [
            g for g in model.generations if (g[0].year_from or 0) <= year <= (g[0].year_to or THIS_YEAR)
        ]
        generation, mods = self.rng.choice(fitting or model.generations)
        return generation, (self.rng.choice(mods) if mods else None)

    def _mileage(self, kind: str, age: int, new: bool) -> int | None:
        if kind not in KM_PER_YEAR:
            return None
        if new:
            return self.rng.randint(0, 50)
        yearly = KM_PER_YEAR[kind] * self.rng.lognormvariate(0, 0.35)
        return int(min(25 * KM_PER_YEAR[kind], max(0.4, age) * yearly) // 100 * 100)

    def _engine(self, kind: str, mod: Modification | None) -> tuple[float | None, int | None]:
        if mod is not None:
            return mod.engine_volume_l, mod.power_hp
        if kind not in VOLUMES:
            return None, self.rng.choice((40, 90, 115, 150, 200, 250, 300))
        volume = pick(self.rng, VOLUMES[kind])
        per_litre = {"cars": 70, "trucks": 38, "motorcycles": 110}[kind]
        return volume, min(1500, int(volume * per_litre * self.rng.uniform(0.8, 1.3)))

    def _price(self, kind: str, brand: str, mod: Modification | None, age: int) -> int:
        base = float(mod.price_new_rub) if mod is not None and mod.price_new_rub else NEW_PRICE[kind]
        if kind == "cars" and not (mod is not None and mod.price_new_rub):
            base *= 2.5 if brand in PREMIUM else 0.5 if brand in BUDGET else 1.0
        price = base * 0.92**age * self.rng.lognormvariate(0, 0.25)
        return max(30_000, int(price // 1000 * 1000))

    def _named(self, key: str, shares: Mapping[str, float] | None) -> int | None:
        return self.ref.ids[key][pick(self.rng, shares)] if shares else None

    def _description(self, mileage: int | None, city: str) -> str:
        words = self.rng.sample(PHRASES, self.rng.randint(2, 4))
        if mileage and self.rng.random() < 0.5:
            words.append(f"Пробег {mileage} км")
        words.append(f"Осмотр в г. {city}")
        return ". ".join(words) + "."

    def _vin(self) -> str:
        return "".join(self.rng.choices(VIN_LETTERS, k=17))

    def batches(self, total: int) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        for start in range(1, total + 1, BATCH):
            pairs = [self.ad(ad_id) for ad_id in range(start, min(total, start + BATCH - 1) + 1)]
            yield [p[0] for p in pairs], [p[1] for p in pairs]


@dataclass
class Loaded:
    ads: int
    users: int
    seconds: float  # in all: generating, writing, indexing, (VACUUM) ANALYZE
    generating: float
    indexing: float  # PostgreSQL: the secondary indexes built after COPY (SQLite: 0, kept as it goes)


LISTING_COLUMNS = [c.name for c in Listing.__table__.columns]
VEHICLE_COLUMNS = [c.name for c in VehicleAttributes.__table__.columns]
USER_COLUMNS = ["id", "public_id", "username", "username_normalized", "role", "full_name", "created_at",
                "updated_at"]  # fmt: skip
TABLES = ("market_listings", "market_vehicle_attributes")


def _asyncpg_dsn(url: str) -> str:
    return make_url(normalize_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


async def load_postgres(url: str, generator: Generator, ads: int) -> Loaded:
    """COPY, with the tables' secondary indexes (the GIN text index among them) dropped first and built
    again after, each from its own definition as PostgreSQL prints it: far quicker than keeping 20
    indexes up to date row by row."""
    began = time.perf_counter()
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    generating = 0.0
    try:
        owners = list(generator.owners.rows())
        await conn.copy_records_to_table(
            "users", records=[tuple(o[c] for c in USER_COLUMNS) for o in owners], columns=USER_COLUMNS
        )
        indexes = await conn.fetch(
            "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname = ANY($1::text[]) AND NOT x.indisprimary AND NOT x.indisunique",
            list(TABLES),
        )
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["name"]}"')
        batches = generator.batches(ads)
        while True:
            started = time.perf_counter()
            batch = next(batches, None)
            generating += time.perf_counter() - started
            if batch is None:
                break
            listings, vehicles = batch
            await conn.copy_records_to_table(
                "market_listings", records=[tuple(r[c] for c in LISTING_COLUMNS) for r in listings],
                columns=LISTING_COLUMNS,
            )  # fmt: skip
            await conn.copy_records_to_table(
                "market_vehicle_attributes", records=[tuple(r[c] for c in VEHICLE_COLUMNS) for r in vehicles],
                columns=VEHICLE_COLUMNS,
            )  # fmt: skip
        indexing = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '256MB'")
        for index in indexes:
            await conn.execute(index["definition"])
        indexing = time.perf_counter() - indexing
        for table in ("users", "market_listings"):  # later inserts must not collide with the loaded ids
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        # VACUUM too: a table that has just been loaded has no visibility map yet, and without it no
        # index-only scan is worth its while; autovacuum would make one soon on a live database.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return Loaded(ads, len(owners), time.perf_counter() - began, generating, indexing)


def load_sqlite(url: str, generator: Generator, ads: int) -> Loaded:
    """Batches of executemany inserts, a transaction each; the migration's triggers fill the FTS5 table
    as rows arrive, as they do for the worker's own inserts."""
    began = time.perf_counter()
    engine = create_engine(make_url(normalize_url(url)).set(drivername="sqlite"))
    generating = 0.0
    try:
        owners = list(generator.owners.rows())
        with engine.begin() as conn:
            conn.execute(insert(User), owners)
        batches = generator.batches(ads)
        while True:
            started = time.perf_counter()
            batch = next(batches, None)
            generating += time.perf_counter() - started
            if batch is None:
                break
            with engine.begin() as conn:
                conn.execute(insert(Listing), batch[0])
                conn.execute(insert(VehicleAttributes), batch[1])
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return Loaded(ads, len(owners), time.perf_counter() - began, generating, 0.0)


def rate(loaded: Loaded) -> str:
    per_s = loaded.ads / loaded.seconds if loaded.seconds else math.inf
    return (
        f"loaded {loaded.ads:,} ads (and {loaded.users:,} owners) in {loaded.seconds:.1f} s, "
        f"{per_s:,.0f} ads/s (generating {loaded.generating:.1f} s, building indexes {loaded.indexing:.1f} s)"
    )
