"""The names people read for the specification dictionary's stored options (units are named in catalog.values).

Stored values, the API, exports and import files keep the dictionary's spellings ("isocratic", "mode-locked");
pages show these names, in the reader's language. Pure: no ORM.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Every option of the dictionary's choice parameters (catalog/data/classification.py), by stored value.
CHOICE_LABELS: dict[str, Promise] = {
    # Chromatograph detectors
    "UV": pgettext_lazy("specification choice", "UV"),
    "DAD": pgettext_lazy("specification choice", "DAD (diode array)"),
    "FLD": pgettext_lazy("specification choice", "FLD (fluorescence)"),
    "RID": pgettext_lazy("specification choice", "RID (refractive index)"),
    "ELSD": pgettext_lazy("specification choice", "ELSD (evaporative light scattering)"),
    "CAD": pgettext_lazy("specification choice", "CAD (charged aerosol)"),
    "FID": pgettext_lazy("specification choice", "FID (flame ionization)"),
    "TCD": pgettext_lazy("specification choice", "TCD (thermal conductivity)"),
    "ECD": pgettext_lazy("specification choice", "ECD (electron capture)"),
    "NPD": pgettext_lazy("specification choice", "NPD (nitrogen-phosphorus)"),
    "FPD": pgettext_lazy("specification choice", "FPD (flame photometric)"),
    "MS": pgettext_lazy("specification choice", "MS (mass spectrometer)"),
    "conductivity": pgettext_lazy("specification choice", "Conductivity"),
    # Liquid chromatograph pumps
    "isocratic": pgettext_lazy("specification choice", "Isocratic"),
    "binary": pgettext_lazy("specification choice", "Binary"),
    "quaternary": pgettext_lazy("specification choice", "Quaternary"),
    # Mass spectrometer ion sources
    "ESI": pgettext_lazy("specification choice", "ESI (electrospray)"),
    "APCI": pgettext_lazy("specification choice", "APCI (atmospheric-pressure chemical ionization)"),
    "APPI": pgettext_lazy("specification choice", "APPI (atmospheric-pressure photoionization)"),
    "EI": pgettext_lazy("specification choice", "EI (electron ionization)"),
    "CI": pgettext_lazy("specification choice", "CI (chemical ionization)"),
    "MALDI": pgettext_lazy("specification choice", "MALDI (matrix-assisted laser desorption)"),
    "ICP": pgettext_lazy("specification choice", "ICP (inductively coupled plasma)"),
    # Mass analysers
    "single quadrupole": pgettext_lazy("specification choice", "Single quadrupole"),
    "triple quadrupole": pgettext_lazy("specification choice", "Triple quadrupole"),
    "ion trap": pgettext_lazy("specification choice", "Ion trap"),
    "Q-TOF": pgettext_lazy("specification choice", "Q-TOF (quadrupole time-of-flight)"),
    "TOF": pgettext_lazy("specification choice", "TOF (time-of-flight)"),
    "Orbitrap": pgettext_lazy("specification choice", "Orbitrap"),
    "FT-ICR": pgettext_lazy("specification choice", "FT-ICR (Fourier-transform ion cyclotron resonance)"),
    "magnetic sector": pgettext_lazy("specification choice", "Magnetic sector"),
    # UV-Vis optics
    "single beam": pgettext_lazy("specification choice", "Single beam"),
    "double beam": pgettext_lazy("specification choice", "Double beam"),
    "split beam": pgettext_lazy("specification choice", "Split beam"),
    "array": pgettext_lazy("specification choice", "Array detector"),
    # Atomic absorption atomizers
    "flame": pgettext_lazy("specification choice", "Flame"),
    "graphite furnace": pgettext_lazy("specification choice", "Graphite furnace"),
    "flame and furnace": pgettext_lazy("specification choice", "Flame and graphite furnace"),
    "hydride": pgettext_lazy("specification choice", "Hydride generation"),
    # ICP-OES plasma view
    "axial": pgettext_lazy("specification choice", "Axial view"),
    "radial": pgettext_lazy("specification choice", "Radial view"),
    "dual view": pgettext_lazy("specification choice", "Dual view"),
    # Electron sources
    "tungsten": pgettext_lazy("specification choice", "Tungsten filament"),
    "LaB6": pgettext_lazy("specification choice", "LaB6 cathode"),
    "Schottky field emission": pgettext_lazy("specification choice", "Schottky field emission"),
    "cold field emission": pgettext_lazy("specification choice", "Cold field emission"),
    # X-ray anode targets
    "Cu": pgettext_lazy("specification choice", "Cu (copper)"),
    "Co": pgettext_lazy("specification choice", "Co (cobalt)"),
    "Mo": pgettext_lazy("specification choice", "Mo (molybdenum)"),
    "Cr": pgettext_lazy("specification choice", "Cr (chromium)"),
    "Fe": pgettext_lazy("specification choice", "Fe (iron)"),
    "Ag": pgettext_lazy("specification choice", "Ag (silver)"),
    # XRF element ranges
    "Be-U": pgettext_lazy("specification choice", "Be to U"),
    "B-U": pgettext_lazy("specification choice", "B to U"),
    "C-U": pgettext_lazy("specification choice", "C to U"),
    "F-U": pgettext_lazy("specification choice", "F to U"),
    "Na-U": pgettext_lazy("specification choice", "Na to U"),
    # EPR microwave bands
    "X": pgettext_lazy("specification choice", "X band"),
    "Q": pgettext_lazy("specification choice", "Q band"),
    "W": pgettext_lazy("specification choice", "W band"),
    # Laser operation modes
    "CW": pgettext_lazy("specification choice", "Continuous wave (CW)"),
    "pulsed": pgettext_lazy("specification choice", "Pulsed"),
    "quasi-CW": pgettext_lazy("specification choice", "Quasi-continuous (QCW)"),
    "mode-locked": pgettext_lazy("specification choice", "Mode-locked"),
}
_BY_CASEFOLD = {value.casefold(): label for value, label in CHOICE_LABELS.items()}
_YES_NO = {"true": _("Yes"), "false": _("No"), "yes": _("Yes"), "no": _("No")}


def choice_label(value: object) -> str:
    """The name of one stored option (or of a yes/no answer); an option the table does not know as it is."""
    text = "" if value is None else str(value)
    key = text.strip().casefold()
    label = _BY_CASEFOLD.get(key) or _YES_NO.get(key)
    return str(label) if label is not None else text


def choices_label(value: object) -> str:
    """A requirement's set of options as written ("UV, DAD"), each named."""
    text = "" if value is None else str(value)
    if "," not in text:
        return choice_label(text)
    return ", ".join(choice_label(part.strip()) for part in text.split(","))
