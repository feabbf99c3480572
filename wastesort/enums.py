"""Vocabularies shared by several features, stored as their string values.

Stored through :func:`enum_column_type`: a VARCHAR with a CHECK constraint, the same on SQLite
and PostgreSQL, so an invalid value is refused by the database itself.
"""

import enum

from sqlalchemy import Enum


class WasteCategory(enum.StrEnum):
    """The four national categories of GB/T 19095-2019, with their bin colours."""

    RECYCLABLE = "recyclable"
    HAZARDOUS = "hazardous"
    KITCHEN = "kitchen"
    RESIDUAL = "residual"

    @property
    def colour(self) -> str:
        return {"recyclable": "blue", "hazardous": "red", "kitchen": "green",
                "residual": "grey"}[self.value]


class FacilityType(enum.StrEnum):
    INCINERATION = "incineration"
    KITCHEN_WASTE = "kitchen_waste"
    HAZARDOUS_WASTE = "hazardous_waste"
    RECYCLABLES_SORTING = "recyclables_sorting"
    OTHER = "other"
    LANDFILL = "landfill"  # sanitary landfill: the seed's "zero landfill" is a figure of it


# Which facilities treat which waste stream (docs/metrics.md, "stream utilisation").
STREAM_FACILITY = {
    WasteCategory.RESIDUAL: FacilityType.INCINERATION,
    WasteCategory.KITCHEN: FacilityType.KITCHEN_WASTE,
    WasteCategory.HAZARDOUS: FacilityType.HAZARDOUS_WASTE,
    WasteCategory.RECYCLABLE: FacilityType.RECYCLABLES_SORTING,
}

# Harmless treatment (无害化处理) in the national statistics: sanitary landfill, incineration,
# biological treatment of kitchen waste and the disposal of hazardous waste; sorting
# recyclables is recovery, not treatment (docs/metrics.md, "Harmless-treatment rate").
HARMLESS_TREATMENT = (FacilityType.INCINERATION, FacilityType.LANDFILL,
                      FacilityType.KITCHEN_WASTE, FacilityType.HAZARDOUS_WASTE)


def enum_column_type(enum_cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
