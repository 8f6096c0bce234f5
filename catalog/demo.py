"""Demo catalog for `manage.py seed_demo`: real-named manufacturers, realistic products, some evaluations.

Deterministic (one seeded random generator) so demands written against the demo behave the same on every
machine, and idempotent (products are upserted by model number through the bulk import; evaluations are
keyed by product, author and title).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.demo import DEMO_INSTITUTION, DEMO_MANUFACTURER, demo_member, demo_organization, demo_user
from accounts.models import Membership, Organization, Province, User
from catalog.importing import PRODUCT_COLUMNS, products_import
from catalog.models import Evaluation, Product
from catalog.services.evaluations import product_evaluations_refresh

SEED = 20261124

# category -> Chinese and English product names, price range (CNY) from entry to top tier, key components,
# and per parameter: ("n", worst, best, decimals) | ("r", (lo, hi) worst, (lo, hi) best, decimals)
# | ("c", options from entry to top tier) | ("b", tier from which the feature is present)
PROFILES: dict[str, dict[str, Any]] = {
    "010501": {
        "names": ("高效液相色谱仪", "HPLC system"),
        "price": (150_000, 900_000),
        "components": ["高压泵 pump", "检测器 detector", "自动进样器 autosampler"],
        "specs": {
            "pressure_max": ("n", 40, 130, 0),
            "flow_rate": ("r", (0.01, 5), (0.001, 10), 3),
            "wavelength": ("r", (200, 600), (190, 900), 0),
            "injection_volume": ("r", (1, 100), (0.1, 2000), 1),
            "flow_accuracy": ("n", 1.0, 0.5, 2),
            "column_oven_max": ("n", 60, 110, 0),
            "autosampler_capacity": ("n", 60, 216, 0),
            "pump_type": ("c", ["isocratic", "binary", "quaternary"]),
            "detector_type": ("c", ["UV", "DAD", "FLD"]),
            "retention_time_rsd": ("n", 0.3, 0.05, 3),
            "peak_area_rsd": ("n", 0.5, 0.1, 3),
        },
    },
    "010502": {
        "names": ("气相色谱仪", "Gas chromatograph"),
        "price": (80_000, 600_000),
        "components": ["电子压力控制 EPC", "检测器 detector", "柱箱 oven"],
        "specs": {
            "oven_temp_max": ("n", 400, 450, 0),
            "oven_ramp_max": ("n", 60, 120, 0),
            "inlet_pressure_max": ("n", 400, 1000, 0),
            "fid_detection_limit": ("n", 5, 1.2, 1),
            "inlet_count": ("n", 1, 3, 0),
            "epc": ("b", 0.3),
            "detector_type": ("c", ["TCD", "FID", "ECD", "FPD"]),
            "retention_time_rsd": ("n", 0.05, 0.008, 3),
            "peak_area_rsd": ("n", 1.0, 0.5, 2),
        },
    },
    "010503": {
        "names": ("离子色谱仪", "Ion chromatograph"),
        "price": (200_000, 600_000),
        "components": ["抑制器 suppressor", "电导检测器 conductivity detector"],
        "specs": {
            "flow_rate": ("r", (0.1, 3), (0.001, 10), 3),
            "pressure_max": ("n", 35, 41, 0),
            "conductivity_noise": ("n", 2, 0.1, 2),
            "eluent_generator": ("b", 0.6),
            "detector_type": ("c", ["conductivity"]),
            "retention_time_rsd": ("n", 0.2, 0.05, 3),
        },
    },
    "010201": {
        "names": ("液相色谱-质谱联用仪", "LC-MS system"),
        "price": (1_200_000, 6_000_000),
        "components": ["离子源 ion source", "质量分析器 mass analyser", "分子泵 turbo pump"],
        "specs": {
            "mass_range": ("r", (10, 1500), (2, 3000), 0),
            "resolution": ("n", 2000, 240000, -2),
            "mass_accuracy": ("n", 100, 1, 1),
            "ion_source": ("c", ["ESI"]),
            "analyzer": ("c", ["single quadrupole", "triple quadrupole", "Q-TOF", "Orbitrap"]),
            "scan_speed": ("n", 5000, 20000, -2),
            "polarity_switching": ("n", 50, 5, 0),
            "mrm_per_second": ("n", 100, 800, 0),
        },
    },
    "010202": {
        "names": ("气相色谱-质谱联用仪", "GC-MS system"),
        "price": (500_000, 2_000_000),
        "components": ["离子源 ion source", "四极杆 quadrupole", "分子泵 turbo pump"],
        "specs": {
            "mass_range": ("r", (10, 800), (1.5, 1090), 1),
            "resolution": ("n", 1000, 4000, -2),
            "mass_accuracy": ("n", 200, 50, 0),
            "ion_source": ("c", ["EI"]),
            "analyzer": ("c", ["single quadrupole", "triple quadrupole"]),
            "ei_sensitivity": ("n", 1000, 20000, -2),
            "scan_speed": ("n", 10000, 20000, -2),
        },
    },
    "010203": {
        "names": ("电感耦合等离子体质谱仪", "ICP-MS"),
        "price": (1_200_000, 3_500_000),
        "components": ["射频发生器 RF generator", "四极杆 quadrupole", "检测器 detector"],
        "specs": {
            "mass_range": ("r", (4, 260), (2, 290), 0),
            "ion_source": ("c", ["ICP"]),
            "analyzer": ("c", ["single quadrupole", "triple quadrupole"]),
            "detection_limit": ("n", 5, 0.1, 2),
            "background": ("n", 1, 0.2, 2),
            "oxide_ratio": ("n", 3, 1.5, 1),
            "doubly_charged_ratio": ("n", 3, 1.5, 1),
            "short_term_stability": ("n", 3, 1, 1),
            "collision_cell": ("b", 0.2),
        },
    },
    "010401": {
        "names": ("紫外可见分光光度计", "UV-Vis spectrophotometer"),
        "price": (20_000, 600_000),
        "components": ["光源 lamp", "单色器 monochromator", "检测器 detector"],
        "specs": {
            "wavelength_range": ("r", (190, 1100), (175, 3300), 0),
            "spectral_bandwidth": ("n", 2, 0.1, 2),
            "wavelength_accuracy": ("n", 0.5, 0.08, 2),
            "photometric_accuracy": ("n", 0.004, 0.0003, 4),
            "photometric_range": ("r", (-0.5, 3), (-4, 8), 1),
            "stray_light": ("n", 0.05, 0.00005, 5),
            "optics": ("c", ["single beam", "split beam", "double beam"]),
        },
    },
    "010402": {
        "names": ("傅里叶变换红外光谱仪", "FTIR spectrometer"),
        "price": (150_000, 1_500_000),
        "components": ["干涉仪 interferometer", "检测器 detector", "光源 source"],
        "specs": {
            "wavenumber_range": ("r", (400, 4000), (20, 25000), 0),
            "spectral_resolution": ("n", 4, 0.09, 2),
            "signal_to_noise": ("n", 15000, 55000, -3),
        },
    },
    "010403": {
        "names": ("显微共聚焦拉曼光谱仪", "Confocal Raman spectrometer"),
        "price": (300_000, 1_500_000),
        "components": ["激光器 laser", "光谱仪 spectrograph", "CCD 探测器 CCD"],
        "specs": {
            "raman_shift_range": ("r", (100, 3200), (5, 4000), 0),
            "spectral_resolution": ("n", 3, 0.5, 1),
            "excitation_wavelength": ("c", [785, 532]),
            "spatial_resolution": ("n", 2, 0.5, 1),
        },
    },
    "010404": {
        "names": ("原子吸收分光光度计", "Atomic absorption spectrometer"),
        "price": (100_000, 600_000),
        "components": ["空心阴极灯 hollow-cathode lamp", "石墨炉 graphite furnace", "检测器 detector"],
        "specs": {
            "wavelength_range": ("r", (190, 900), (185, 900), 0),
            "cu_characteristic_concentration": ("n", 0.04, 0.02, 3),
            "baseline_drift": ("n", 0.005, 0.002, 3),
            "atomizer": ("c", ["flame", "graphite furnace", "flame and furnace"]),
        },
    },
    "010405": {
        "names": ("电感耦合等离子体发射光谱仪", "ICP-OES"),
        "price": (400_000, 1_200_000),
        "components": ["射频发生器 RF generator", "中阶梯光栅 echelle grating", "CCD/CID 检测器 detector"],
        "specs": {
            "wavelength_range": ("r", (175, 800), (160, 900), 0),
            "optical_resolution": ("n", 0.01, 0.003, 3),
            "rf_power_max": ("n", 1500, 1700, 0),
            "detection_limit": ("n", 10, 0.5, 1),
            "short_term_stability": ("n", 2, 0.5, 1),
            "plasma_view": ("c", ["radial", "axial", "dual view"]),
        },
    },
    "010101": {
        "names": ("扫描电子显微镜", "Scanning electron microscope"),
        "price": (800_000, 6_000_000),
        "components": ["电子枪 electron gun", "二次电子探测器 SE detector", "分子泵 turbo pump"],
        "specs": {
            "resolution": ("n", 3, 0.5, 1),
            "accelerating_voltage": ("r", (0.2, 30), (0.01, 30), 2),
            "electron_source": ("c", ["tungsten", "Schottky field emission", "cold field emission"]),
            "magnification": ("r", (5, 300000), (1, 2000000), 0),
            "probe_current_max": ("n", 100, 500, 0),
            "low_vacuum": ("b", 0.4),
            "stage_travel_x": ("n", 50, 130, 0),
        },
    },
    "010102": {
        "names": ("透射电子显微镜", "Transmission electron microscope"),
        "price": (5_000_000, 30_000_000),
        "components": ["场发射枪 field-emission gun", "相机 camera", "球差校正器 Cs corrector"],
        "specs": {
            "resolution": ("n", 0.25, 0.06, 2),
            "accelerating_voltage": ("r", (80, 120), (60, 300), 0),
            "electron_source": ("c", ["LaB6", "Schottky field emission", "cold field emission"]),
            "information_limit": ("n", 0.2, 0.06, 2),
            "tilt_angle": ("n", 30, 80, 0),
            "cs_corrector": ("b", 0.8),
        },
    },
    "010301": {
        "names": ("X射线衍射仪", "X-ray diffractometer"),
        "price": (300_000, 2_000_000),
        "components": ["X 光管 X-ray tube", "测角仪 goniometer", "探测器 detector"],
        "specs": {
            "two_theta_range": ("r", (-3, 150), (-110, 168), 0),
            "angle_step_min": ("n", 0.001, 0.0001, 4),
            "angular_reproducibility": ("n", 0.001, 0.0001, 4),
            "tube_power_max": ("n", 1.6, 9, 1),
            "goniometer_radius": ("n", 185, 300, 0),
            "target": ("c", ["Cu"]),
        },
    },
    "010302": {
        "names": ("X射线荧光光谱仪", "X-ray fluorescence spectrometer"),
        "price": (200_000, 1_800_000),
        "components": ["X 光管 X-ray tube", "探测器 detector"],
        "specs": {
            "energy_resolution": ("n", 150, 125, 0),
            "tube_power_max": ("n", 0.05, 4, 2),
            "element_range": ("c", ["Na-U", "F-U", "Be-U"]),
        },
    },
    "010601": {
        "names": ("核磁共振波谱仪", "NMR spectrometer"),
        "price": (3_000_000, 20_000_000),
        "components": ["超导磁体 superconducting magnet", "探头 probe", "谱仪控制台 console"],
        "specs": {
            "proton_frequency": ("c", [400, 500, 600, 800]),
            "sensitivity_1h": ("n", 280, 1400, 0),
            "lineshape_50": ("n", 0.6, 0.3, 2),
            "vt_range": ("r", (-100, 150), (-150, 180), 0),
            "cryoprobe": ("b", 0.75),
        },
    },
    "010602": {
        "names": ("电子顺磁共振波谱仪", "EPR spectrometer"),
        "price": (1_000_000, 4_000_000),
        "components": ["微波桥 microwave bridge", "磁体 magnet", "谐振腔 resonator"],
        "specs": {
            "band": ("c", ["X", "Q"]),
            "field_range": ("r", (0, 700), (0, 1500), 0),
            "field_resolution": ("n", 0.01, 0.001, 3),
        },
    },
    "010701": {
        "names": ("电化学工作站", "Electrochemical workstation"),
        "price": (40_000, 200_000),
        "components": ["恒电位仪 potentiostat", "频响分析仪 FRA"],
        "specs": {
            "potential_range": ("r", (-10, 10), (-15, 15), 0),
            "current_max": ("n", 250, 2000, 0),
            "current_resolution": ("n", 10, 0.1, 1),
            "eis_frequency": ("r", (0.00001, 100000), (0.000001, 1000000), 6),
            "channels": ("n", 1, 8, 0),
        },
    },
    "010901": {
        "names": ("热重分析仪", "Thermogravimetric analyser"),
        "price": (100_000, 600_000),
        "components": ["微量天平 microbalance", "炉体 furnace"],
        "specs": {
            "temperature_range": ("r", (25, 1000), (25, 1600), 0),
            "heating_rate_max": ("n", 50, 250, 0),
            "temperature_accuracy": ("n", 1, 0.2, 1),
            "balance_sensitivity": ("n", 1, 0.1, 2),
            "sample_mass_max": ("n", 1000, 5000, 0),
        },
    },
    "010902": {
        "names": ("差示扫描量热仪", "Differential scanning calorimeter"),
        "price": (120_000, 700_000),
        "components": ["传感器 sensor", "制冷附件 cooling unit"],
        "specs": {
            "temperature_range": ("r", (-70, 500), (-180, 750), 0),
            "heating_rate_max": ("n", 50, 500, 0),
            "temperature_accuracy": ("n", 0.5, 0.05, 2),
            "dsc_sensitivity": ("n", 1, 0.04, 2),
            "enthalpy_precision": ("n", 1, 0.1, 2),
        },
    },
    "010903": {
        "names": ("同步热分析仪", "Simultaneous thermal analyser"),
        "price": (300_000, 1_500_000),
        "components": ["微量天平 microbalance", "高温炉 furnace"],
        "specs": {
            "temperature_range": ("r", (25, 1200), (-150, 2400), 0),
            "heating_rate_max": ("n", 50, 100, 0),
            "temperature_accuracy": ("n", 1, 0.3, 1),
            "balance_sensitivity": ("n", 1, 0.025, 3),
            "dsc_sensitivity": ("n", 10, 1, 1),
        },
    },
    "0901": {
        "names": ("固体激光器", "Solid-state laser"),
        "price": (20_000, 400_000),
        "components": ["泵浦源 pump diode", "增益晶体 gain crystal"],
        "specs": {
            "wavelength": ("c", [1064, 532, 355]),
            "output_power": ("n", 1, 100, 1),
            "power_stability": ("n", 5, 0.5, 1),
            "beam_quality": ("n", 1.5, 1.1, 2),
            "operation_mode": ("c", ["CW", "pulsed"]),
        },
    },
    "0902": {
        "names": ("连续光纤激光器", "CW fibre laser"),
        "price": (30_000, 1_500_000),
        "components": ["泵浦源 pump diode", "有源光纤 active fibre", "合束器 combiner"],
        "specs": {
            "wavelength": ("c", [1080]),
            "output_power": ("n", 500, 30000, -2),
            "power_stability": ("n", 3, 1, 1),
            "operation_mode": ("c", ["CW"]),
        },
    },
    "0903": {
        "names": ("飞秒激光器", "Femtosecond laser"),
        "price": (600_000, 3_000_000),
        "components": ["种子源 seed", "放大器 amplifier", "压缩器 compressor"],
        "specs": {
            "wavelength": ("c", [1030, 800]),
            "output_power": ("n", 2, 100, 1),
            "power_stability": ("n", 1, 0.3, 2),
            "beam_quality": ("n", 1.3, 1.1, 2),
            "operation_mode": ("c", ["mode-locked"]),
            "pulse_width": ("n", 800, 35, 0),
            "repetition_rate": ("n", 100, 1000, 0),
            "pulse_energy": ("n", 20, 1000, 0),
        },
    },
}

# (Chinese name, English name, province code (China) or None, country, brand, [(category, models, tier low, high)])
# A tier of 0 is an entry model, 1 the state of the art.
Line = tuple[str, Sequence[str], float, float]
MANUFACTURERS: list[tuple[str, str, str | None, str, str, list[Line]]] = [
    (
        DEMO_MANUFACTURER[0],
        DEMO_MANUFACTURER[1],
        DEMO_MANUFACTURER[2],
        "CN",
        "聚光",
        [
            ("010203", ["EXPEC 7000", "EXPEC 7350", "EXPEC 7900"], 0.35, 0.8),
            ("010405", ["EXPEC 6000", "EXPEC 6500"], 0.4, 0.8),
            ("010501", ["LC-5090", "LC-5510", "LC-5800 UHPLC"], 0.3, 0.85),
            ("010502", ["GC-3000", "GC-3900"], 0.4, 0.9),
            ("010202", ["EXPEC 3500 GC-MS"], 0.6, 0.6),
        ],
    ),
    (
        "江苏天瑞仪器股份有限公司",
        "Jiangsu Skyray Instrument Co., Ltd.",
        "320000",
        "CN",
        "天瑞",
        [
            ("010302", ["EDX 1800B", "EDX 3600H", "EDX 9000"], 0.2, 0.7),
            ("010203", ["ICP-MS 2000", "ICP-MS 2000E"], 0.3, 0.6),
            ("010202", ["GC-MS 6800", "GC-MS 6800 Premium"], 0.3, 0.65),
            ("010404", ["AAS 6000", "AAS 9000"], 0.4, 0.75),
        ],
    ),
    (
        "北京普析通用仪器有限责任公司",
        "Beijing Purkinje General Instrument Co., Ltd.",
        "110000",
        "CN",
        "普析",
        [
            ("010401", ["T6 新世纪", "TU-1900", "TU-1950", "TU-1901"], 0.1, 0.7),
            ("010404", ["TAS-990", "A3F", "A3AFG"], 0.3, 0.8),
            ("010301", ["XD-3", "XD-6"], 0.3, 0.6),
            ("010501", ["L600", "L630"], 0.2, 0.5),
        ],
    ),
    (
        "国仪量子技术（合肥）股份有限公司",
        "CIQTEK Co., Ltd.",
        "340000",
        "CN",
        "国仪",
        [
            ("010101", ["SEM3100", "SEM3200", "SEM4000X", "SEM5000X"], 0.35, 1.0),
            ("010602", ["EPR100", "EPR200-Plus", "EPR-W900"], 0.5, 1.0),
        ],
    ),
    (
        "北京中科科仪股份有限公司",
        "KYKY Technology Co., Ltd.",
        "110000",
        "CN",
        "中科科仪",
        [
            ("010101", ["EM6900", "EM8000F", "EM6200"], 0.2, 0.7),
        ],
    ),
    (
        "钢研纳克检测技术股份有限公司",
        "NCS Testing Technology Co., Ltd.",
        "110000",
        "CN",
        "钢研纳克",
        [
            ("010405", ["Plasma 1000", "Plasma 2000", "Plasma 3000"], 0.3, 0.9),
            ("010203", ["PlasmaMS 300"], 0.55, 0.55),
            ("010302", ["NX-100S", "NX-200"], 0.3, 0.6),
        ],
    ),
    (
        "上海仪电科学仪器股份有限公司",
        "INESA Scientific Instrument Co., Ltd.",
        "310000",
        "CN",
        "仪电",
        [
            ("010401", ["L3", "L5S", "L6S", "L8"], 0.1, 0.65),
            ("010701", ["雷磁 CHI660", "雷磁 PHS-EC"], 0.2, 0.5),
        ],
    ),
    (
        "广州禾信仪器股份有限公司",
        "Guangzhou Hexin Instrument Co., Ltd.",
        "440000",
        "CN",
        "禾信",
        [
            ("010201", ["LC-TQ 5200", "CMI-1600 LC-TOF"], 0.4, 0.75),
            ("010202", ["GCMS 1000", "GC-TOFMS 2000"], 0.4, 0.8),
        ],
    ),
    (
        "北京东西分析仪器有限公司",
        "Beijing East & West Analytical Instruments Inc.",
        "110000",
        "CN",
        "东西分析",
        [
            ("010502", ["GC-4000A", "GC-4100"], 0.3, 0.6),
            ("010404", ["AA7020", "AA7050"], 0.3, 0.6),
            ("010202", ["GC-MS 3200"], 0.45, 0.45),
        ],
    ),
    (
        "天美仪拓实验室设备（上海）有限公司",
        "Techcomp (Shanghai) Instruments Ltd.",
        "310000",
        "CN",
        "天美",
        [
            ("010502", ["GC7900", "GC7980"], 0.4, 0.75),
            ("010501", ["LC2000", "LC2130"], 0.3, 0.6),
            ("010401", ["UV1800", "UV2310 II"], 0.3, 0.6),
        ],
    ),
    (
        "安徽皖仪科技股份有限公司",
        "Wayeal Instrument Co., Ltd.",
        "340000",
        "CN",
        "皖仪",
        [
            ("010501", ["LC3000", "LC3200", "LC3300 UHPLC"], 0.35, 0.9),
            ("010201", ["LCMS-TQ9200"], 0.55, 0.55),
            ("010503", ["IC6000", "IC6200"], 0.4, 0.8),
        ],
    ),
    (
        "北京雪迪龙科技股份有限公司",
        "Beijing SDL Technology Co., Ltd.",
        "110000",
        "CN",
        "雪迪龙",
        [
            ("010502", ["GC-9800", "GC-9860"], 0.2, 0.5),
            ("010202", ["SGC-MS 7000"], 0.5, 0.5),
        ],
    ),
    (
        "北京华谱科仪科技有限公司",
        "Beijing Huapu Keyi Technology Co., Ltd.",
        "110000",
        "CN",
        "华谱",
        [
            ("010502", ["GC 9560", "GC 9560-SD"], 0.3, 0.55),
            ("010501", ["LC-100", "LC-300"], 0.2, 0.5),
        ],
    ),
    (
        "北京北分瑞利分析仪器（集团）有限责任公司",
        "Beijing Beifen-Ruili Analytical Instrument (Group) Co., Ltd.",
        "110000",
        "CN",
        "北分瑞利",
        [
            ("010502", ["SP-3420A", "SP-3500"], 0.3, 0.6),
            ("010402", ["WQF-530A", "WQF-550"], 0.2, 0.55),
            ("010404", ["WFX-220B", "WFX-910"], 0.3, 0.65),
            ("010401", ["UV-2601", "UV-9600"], 0.2, 0.5),
        ],
    ),
    (
        "丹东浩元仪器有限公司",
        "Dandong Haoyuan Instrument Co., Ltd.",
        "210000",
        "CN",
        "浩元",
        [
            ("010301", ["DX-2700BH", "DX-2800"], 0.4, 0.75),
        ],
    ),
    (
        "丹东通达科技有限公司",
        "Dandong Tongda Science & Technology Co., Ltd.",
        "210000",
        "CN",
        "通达",
        [
            ("010301", ["TD-3500", "TD-3700", "TDM-20"], 0.3, 0.7),
        ],
    ),
    (
        "武汉锐科光纤激光技术股份有限公司",
        "Wuhan Raycus Fiber Laser Technologies Co., Ltd.",
        "420000",
        "CN",
        "锐科",
        [
            ("0902", ["RFL-C1000", "RFL-C3000S", "RFL-C6000X", "RFL-C20000X"], 0.3, 0.9),
        ],
    ),
    (
        "深圳市创鑫激光股份有限公司",
        "Shenzhen MAX Photonics Co., Ltd.",
        "440000",
        "CN",
        "创鑫",
        [
            ("0902", ["MFSC-1000", "MFSC-3000", "MFMC-12000"], 0.3, 0.75),
        ],
    ),
    (
        "武汉华日精密激光股份有限公司",
        "Wuhan Huaray Precision Laser Co., Ltd.",
        "420000",
        "CN",
        "华日",
        [
            ("0903", ["Goldenwave 1030-fs-20", "Goldenwave 1030-fs-50"], 0.3, 0.7),
            ("0901", ["Emerald 355-10", "Emerald 532-20"], 0.3, 0.7),
        ],
    ),
    (
        "北京卓立汉光仪器有限公司",
        "Zolix Instruments Co., Ltd.",
        "110000",
        "CN",
        "卓立汉光",
        [
            ("010403", ["Finder One", "Finder 930"], 0.4, 0.8),
        ],
    ),
    (
        "上海辰华仪器有限公司",
        "Shanghai Chenhua Instrument Co., Ltd.",
        "310000",
        "CN",
        "辰华",
        [
            ("010701", ["CHI660E", "CHI760E", "CHI1040C"], 0.4, 0.9),
        ],
    ),
    (
        "武汉科思特仪器股份有限公司",
        "Wuhan Corrtest Instruments Corp., Ltd.",
        "420000",
        "CN",
        "科思特",
        [
            ("010701", ["CS310M", "CS350M", "CS2350M"], 0.3, 0.8),
        ],
    ),
    (
        "南京大展检测仪器有限公司",
        "Nanjing Dazhan Testing Instrument Co., Ltd.",
        "320000",
        "CN",
        "大展",
        [
            ("010901", ["DZ-TGA101", "DZ-TGA201"], 0.2, 0.5),
            ("010902", ["DZ-DSC300", "DZ-DSC500"], 0.2, 0.55),
        ],
    ),
    (
        "北京恒久实验设备有限公司",
        "Beijing Henven Scientific Instrument Factory",
        "110000",
        "CN",
        "恒久",
        [
            ("010903", ["HCT-1", "HCT-3", "HCT-4"], 0.2, 0.55),
            ("010901", ["HTG-1", "HTG-3"], 0.2, 0.5),
        ],
    ),
    (
        "中科牛津（武汉）波谱技术有限公司",
        "Wuhan Zhongke-Niujin Magnetic Resonance Technology Co., Ltd.",
        "420000",
        "CN",
        "中科牛津",
        [
            ("010601", ["WNMR-I 400", "WNMR-I 500"], 0.1, 0.35),
        ],
    ),
    (
        "聚束科技（北京）有限公司",
        "Focus eBeam Technology (Beijing) Co., Ltd.",
        "110000",
        "CN",
        "聚束",
        [
            ("010101", ["Navigator-100", "Navigator-OPC"], 0.75, 1.05),
        ],
    ),
    (
        "上海舜宇恒平科学仪器有限公司",
        "Shanghai Sunny Hengping Scientific Instrument Co., Ltd.",
        "310000",
        "CN",
        "舜宇恒平",
        [
            ("010202", ["SHP8400", "M7 GC-MS"], 0.4, 0.7),
            ("010401", ["UV1000", "UV1600"], 0.1, 0.35),
        ],
    ),
    (
        "北京莱伯泰科仪器股份有限公司",
        "LabTech Group (Beijing) Co., Ltd.",
        "110000",
        "CN",
        "莱伯泰科",
        [
            ("010203", ["LabMS 3000", "LabMS 5000"], 0.45, 0.75),
        ],
    ),
    (
        "长春新产业光电技术有限公司",
        "Changchun New Industries Optoelectronics Tech. Co., Ltd.",
        "220000",
        "CN",
        "新产业",
        [
            ("0901", ["MGL-III-532", "MDL-N-1064", "MPL-H-355"], 0.2, 0.7),
        ],
    ),
    # Imported
    (
        "安捷伦科技公司",
        "Agilent Technologies, Inc.",
        None,
        "US",
        "Agilent",
        [
            ("010501", ["1260 Infinity III", "1290 Infinity III"], 0.7, 1.0),
            ("010502", ["8860", "8890", "Intuvo 9000"], 0.6, 1.0),
            ("010203", ["7850", "7900", "8900 ICP-QQQ"], 0.7, 1.0),
            ("010405", ["5800 ICP-OES", "5900 ICP-OES"], 0.8, 1.0),
            ("010201", ["6475 LC/TQ", "6546 LC/Q-TOF"], 0.65, 0.95),
            ("010404", ["240FS AA", "280Z AA"], 0.7, 0.9),
        ],
    ),
    (
        "赛默飞世尔科技公司",
        "Thermo Fisher Scientific Inc.",
        None,
        "US",
        "Thermo",
        [
            ("010501", ["Vanquish Core", "Vanquish Horizon"], 0.7, 1.0),
            ("010201", ["TSQ Altis Plus", "Orbitrap Exploris 240", "Orbitrap Astral"], 0.7, 1.0),
            ("010203", ["iCAP RQplus", "iCAP TQe"], 0.75, 1.0),
            ("010402", ["Nicolet iS20", "Nicolet iS50"], 0.6, 1.0),
            ("010101", ["Apreo 2", "Axia ChemiSEM"], 0.6, 0.95),
            ("010102", ["Talos F200X", "Spectra Ultra"], 0.6, 1.0),
        ],
    ),
    (
        "岛津制作所",
        "Shimadzu Corporation",
        None,
        "JP",
        "Shimadzu",
        [
            ("010501", ["LC-2050C", "Nexera X3"], 0.6, 1.0),
            ("010502", ["GC-2030 Nexis", "GC-2014C"], 0.5, 0.95),
            ("010401", ["UV-1900i", "UV-2600i", "UV-3600i Plus"], 0.5, 1.0),
            ("010202", ["GCMS-QP2020 NX", "GCMS-TQ8050 NX"], 0.6, 1.0),
            ("010404", ["AA-7000"], 0.8, 0.8),
            ("010903", ["DTG-60"], 0.4, 0.4),
        ],
    ),
    (
        "沃特世公司",
        "Waters Corporation",
        None,
        "US",
        "Waters",
        [
            ("010501", ["Alliance iS", "ACQUITY Premier"], 0.7, 1.0),
            ("010201", ["Xevo TQ Absolute", "Xevo G3 QTof"], 0.75, 1.0),
        ],
    ),
    (
        "布鲁克公司",
        "Bruker Corporation",
        None,
        "DE",
        "Bruker",
        [
            ("010601", ["AVANCE NEO 400", "AVANCE NEO 600", "AVANCE NEO 800"], 0.4, 1.0),
            ("010301", ["D8 ADVANCE", "D8 DISCOVER"], 0.8, 1.0),
            ("010302", ["S2 PUMA", "S8 TIGER"], 0.6, 1.0),
            ("010602", ["EMXnano", "ELEXSYS E580"], 0.5, 1.0),
            ("010402", ["INVENIO R", "VERTEX 80v"], 0.7, 1.0),
        ],
    ),
    (
        "日本电子株式会社",
        "JEOL Ltd.",
        None,
        "JP",
        "JEOL",
        [
            ("010101", ["JSM-IT510", "JSM-IT800"], 0.5, 0.95),
            ("010102", ["JEM-F200", "JEM-ARM300F2"], 0.7, 1.0),
            ("010601", ["JNM-ECZ400R", "JNM-ECZ600R"], 0.4, 0.7),
        ],
    ),
    (
        "株式会社日立高新技术",
        "Hitachi High-Tech Corporation",
        None,
        "JP",
        "Hitachi",
        [
            ("010101", ["FlexSEM 1000 II", "SU7000", "Regulus 8230"], 0.4, 1.0),
            ("010401", ["UH5700", "UH4150"], 0.7, 1.0),
            ("010102", ["HT7800"], 0.5, 0.5),
        ],
    ),
    (
        "珀金埃尔默公司",
        "PerkinElmer, Inc.",
        None,
        "US",
        "PerkinElmer",
        [
            ("010203", ["NexION 1100", "NexION 5000"], 0.6, 1.0),
            ("010405", ["Avio 220 Max", "Avio 550 Max"], 0.6, 0.9),
            ("010404", ["PinAAcle 900T"], 0.75, 0.75),
            ("010902", ["DSC 4000", "DSC 8500"], 0.5, 0.9),
        ],
    ),
    (
        "卡尔蔡司显微镜有限责任公司",
        "Carl Zeiss Microscopy GmbH",
        None,
        "DE",
        "ZEISS",
        [
            ("010101", ["EVO 15", "Sigma 360", "GeminiSEM 560"], 0.4, 1.0),
        ],
    ),
    (
        "马尔文帕纳科公司",
        "Malvern Panalytical B.V.",
        None,
        "NL",
        "Malvern Panalytical",
        [
            ("010301", ["Aeris", "Empyrean"], 0.6, 1.0),
            ("010302", ["Epsilon 4", "Zetium"], 0.5, 0.95),
        ],
    ),
    (
        "理学株式会社",
        "Rigaku Corporation",
        None,
        "JP",
        "Rigaku",
        [
            ("010301", ["MiniFlex", "SmartLab SE", "SmartLab 9kW"], 0.5, 1.0),
            ("010302", ["NEX DE", "ZSX Primus IV"], 0.5, 1.0),
        ],
    ),
    (
        "梅特勒-托利多国际有限公司",
        "Mettler-Toledo International Inc.",
        None,
        "CH",
        "METTLER TOLEDO",
        [
            ("010901", ["TGA 2"], 0.9, 0.9),
            ("010902", ["DSC 3", "DSC 3+"], 0.7, 0.95),
            ("010903", ["TGA/DSC 3+"], 0.85, 0.85),
        ],
    ),
    (
        "耐驰仪器制造有限公司",
        "NETZSCH-Gerätebau GmbH",
        None,
        "DE",
        "NETZSCH",
        [
            ("010901", ["TG 209 F1 Libra"], 0.95, 0.95),
            ("010902", ["DSC 214 Polyma", "DSC 300 Caliris"], 0.6, 0.95),
            ("010903", ["STA 449 F5 Jupiter", "STA 509 Jupiter"], 0.8, 1.0),
        ],
    ),
    (
        "相干公司",
        "Coherent Corp.",
        None,
        "US",
        "Coherent",
        [
            ("0903", ["Monaco 1035-80", "Astrella"], 0.7, 1.0),
            ("0901", ["Verdi G18", "AVIA LX 355"], 0.6, 1.0),
        ],
    ),
    (
        "IPG 光电公司",
        "IPG Photonics Corporation",
        None,
        "US",
        "IPG",
        [
            ("0902", ["YLR-2000", "YLS-6000", "YLS-30000"], 0.5, 1.0),
        ],
    ),
    (
        "瑞士万通公司",
        "Metrohm AG",
        None,
        "CH",
        "Metrohm",
        [
            ("010503", ["Eco IC", "930 Compact IC Flex"], 0.5, 0.95),
            ("010701", ["Autolab PGSTAT302N", "Autolab PGSTAT204"], 0.7, 1.0),
        ],
    ),
    (
        "堀场公司",
        "HORIBA, Ltd.",
        None,
        "JP",
        "HORIBA",
        [
            ("010403", ["XploRA PLUS", "LabRAM Odyssey"], 0.7, 1.0),
        ],
    ),
    (
        "光转换公司",
        "Light Conversion UAB",
        None,
        "LT",
        "Light Conversion",
        [
            ("0903", ["PHAROS", "CARBIDE"], 0.7, 1.0),
        ],
    ),
]

# Imported lines made in Chinese plants: made in CN but below the domestic-content threshold.
MADE_IN_CHINA = {("Shimadzu", "010502"), ("Agilent", "010404")}

REVIEWERS = [
    ("reviewer1@demo.local", "陈教授 Chen", DEMO_INSTITUTION),
    ("reviewer2@demo.local", "刘工程师 Liu", ("清华大学", "Tsinghua University", "110000")),
    ("reviewer3@demo.local", "赵研究员 Zhao", ("浙江大学", "Zhejiang University", "330000")),
    ("reviewer4@demo.local", "孙高工 Sun", ("中国计量科学研究院", "National Institute of Metrology, China", "110000")),
]
REVIEW_TEXTS = [
    ("连续运行半年，数据稳定", "Six months of continuous use, stable results"),
    ("与进口设备平行比对", "Side-by-side comparison with an imported instrument"),
    ("第三方计量检测报告", "Third-party metrology test report"),
    ("试用期间售后响应及时", "Quick after-sales response during the pilot"),
]
_DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _round(value: float, decimals: int) -> float | int:
    if decimals <= 0:
        return int(round(value, decimals))
    return round(value, decimals)


def _cell(spec: tuple[Any, ...], tier: float, rng: random.Random) -> str:
    kind = spec[0]
    if kind == "c":
        options = spec[1]
        return str(options[min(len(options) - 1, int(tier * len(options)))])
    if kind == "b":
        return "yes" if tier >= spec[1] else "no"
    t = min(1.0, max(0.0, tier + rng.uniform(-0.05, 0.05)))
    if kind == "n":
        worst, best, decimals = spec[1], spec[2], spec[3]
        return f"{_round(worst + (best - worst) * t, decimals)}"
    (lo0, hi0), (lo1, hi1), decimals = spec[1], spec[2], spec[3]
    low = _round(lo0 + (lo1 - lo0) * t, decimals)
    high = _round(hi0 + (hi1 - hi0) * t, decimals)
    return f"{low}~{high}"


def _rows(
    brand: str, country: str, lines: list[Line], provinces: list[str], rng: random.Random
) -> tuple[list[str], list[dict[str, str]]]:
    header = [name for name, _required in PRODUCT_COLUMNS]
    rows = []
    domestic_maker = country == "CN"
    for category, models, low, high in lines:
        profile = PROFILES[category]
        made_in = "CN" if (domestic_maker or (brand, category) in MADE_IN_CHINA) else country
        for index, model in enumerate(models):
            tier = low if len(models) == 1 else low + (high - low) * index / (len(models) - 1)
            price_low, price_high = profile["price"]
            price = price_low + (price_high - price_low) * tier * rng.uniform(0.85, 1.05)
            price = max(price_low * 0.8, round(price, -3))
            if domestic_maker:
                price *= 0.75  # domestic instruments usually list below the imports they replace
                content = round(rng.uniform(0.55, 0.95), 2) if rng.random() > 0.08 else round(rng.uniform(0.3, 0.45), 2)
            else:
                content = round(rng.uniform(0.1, 0.3), 2) if made_in == "CN" else 0
            components = []
            for component in profile["components"]:
                origin = made_in if domestic_maker and rng.random() > 0.25 else rng.choice(["JP", "DE", "US"])
                components.append(f"{component}:{origin if domestic_maker else country}")
            served = rng.sample(provinces, k=rng.randint(8, len(provinces)))
            name_zh, name_en = profile["names"]
            row = {
                "model_number": model,
                "name_zh": f"{brand} {name_zh}",
                "name_en": f"{brand if brand.isascii() else ''} {name_en}".strip(),
                "category": category,
                "country_of_origin": made_in,
                "domestic_content": f"{content}",
                "price_min": f"{round(price, -3):.0f}",
                "price_max": f"{round(price * rng.uniform(1.15, 1.5), -3):.0f}",
                "lead_time_days": str(
                    rng.choice([30, 45, 60, 90]) if domestic_maker else rng.choice([60, 90, 120, 180])
                ),
                "warranty_months": str(rng.choice([12, 24, 36])),
                "provinces_served": "; ".join(sorted(served)),
                "key_components": "; ".join(components),
                "certifications": "; ".join(rng.sample(["CMC", "CE", "ISO 9001", "CNAS", "UL"], k=2)),
                "description_zh": f"{name_zh}，型号 {model}，适用于科研与检测实验室。",
                "description_en": f"{name_en} {model} for research and testing laboratories.",
            }
            for key, spec in profile["specs"].items():
                if key not in header:
                    header.append(key)
                row[key] = _cell(spec, tier, rng)
            rows.append(row)
    return header, rows


def _csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _import(manufacturer: Organization, header: list[str], rows: list[dict[str, str]], *, publish: bool) -> int:
    if not rows:
        return 0
    report = products_import(
        manufacturer=manufacturer, user=None, filename="demo.csv", data=_csv(header, rows), publish=publish
    )
    if report.errors:
        first = report.errors[0]
        raise RuntimeError(f"demo catalog row {first.row} column {first.column}: {first.reason}")
    return report.created


def _evaluations(password: str, rng: random.Random) -> int:
    reviewers: list[tuple[User, Organization]] = []
    for email, name, (org_zh, org_en, province) in REVIEWERS:
        organization = demo_organization(
            kind=Organization.Kind.INSTITUTION, name_zh=org_zh, name_en=org_en, province_code=province
        )
        user = demo_user(email=email, full_name=name, password=password)
        demo_member(user, organization, Membership.Role.MEMBER)
        reviewers.append((user, organization))
    products = list(
        Product.objects.filter(status=Product.Status.PUBLISHED, model_number__in=_all_models())
        .order_by("manufacturer__name_en", "model_number")
        .only("id", "is_domestic")
    )
    existing = set(Evaluation.objects.values_list("product_id", "author_id", "title"))
    new: list[Evaluation] = []
    touched: set[int] = set()
    for product in products:
        if rng.random() > 0.3:
            continue
        for user, organization in rng.sample(reviewers, k=rng.randint(1, 3)):
            kind = rng.choice([Evaluation.Kind.PILOT, Evaluation.Kind.REVIEW, Evaluation.Kind.THIRD_PARTY])
            title_zh, title_en = REVIEW_TEXTS[rng.randrange(len(REVIEW_TEXTS))]
            title = f"{title_zh} / {title_en}"
            scores = [min(5, max(2, 4 + rng.choice([-1, 0, 0, 1]))) for _ in range(4)]
            if (product.pk, user.pk, title) in existing or any(
                e.product_id == product.pk and e.author_id == user.pk for e in new
            ):
                continue
            evaluation = Evaluation(
                product_id=product.pk,
                kind=kind,
                author=user,
                organization=organization,
                title=title,
                summary=title_zh,
                accuracy=scores[0],
                stability=scores[1],
                reliability=scores[2],
                service=scores[3],
            )
            if kind == Evaluation.Kind.THIRD_PARTY:
                evaluation.document.save(f"demo-report-{product.pk}-{user.pk}.pdf", ContentFile(_DEMO_PDF), save=False)
            new.append(evaluation)
            touched.add(product.pk)
    Evaluation.objects.bulk_create(new, ignore_conflicts=True)
    for product in Product.objects.filter(pk__in=touched):
        product_evaluations_refresh(product=product)
    return len(new)


def _all_models() -> list[str]:
    return [model for *_head, lines in MANUFACTURERS for _c, models, _lo, _hi in lines for model in models]


def seed(*, password: str, stdout: Any) -> None:
    rng = random.Random(SEED)
    provinces = list(Province.objects.order_by("code").values_list("code", flat=True))
    created = 0
    with transaction.atomic():
        for name_zh, name_en, province, country, brand, lines in MANUFACTURERS:
            manufacturer = demo_organization(
                kind=Organization.Kind.MANUFACTURER,
                name_zh=name_zh,
                name_en=name_en,
                province_code=province,
                country=country,
            )
            header, rows = _rows(brand, country, lines, provinces, rng)
            # A few products stay drafts, so dashboards show every status.
            drafts = rows[-1:] if name_zh == DEMO_MANUFACTURER[0] else [r for r in rows if rng.random() < 0.05]
            published = [row for row in rows if row not in drafts]
            created += _import(manufacturer, header, published, publish=True)
            created += _import(manufacturer, header, drafts, publish=False)
        evaluations = _evaluations(password, rng)
    total = Product.objects.filter(model_number__in=_all_models()).count()
    stdout.write(
        f"  demo catalog: {len(MANUFACTURERS)} manufacturers, {total} products ({created} new), "
        f"{evaluations} new evaluations"
    )
