"""The classification table and the specification dictionary loaded by the catalog's data migrations.

Top level and the analytical second level follow the national large research-instrument classes; codes are the
platform's own (two digits per level). CPV codes are from the EU Common Procurement Vocabulary, HS codes are
six-digit Harmonized System subheadings; both are left blank where no single code fits.
"""

from __future__ import annotations

# (code, parent code, Chinese name, English name, CPV, HS)
CATEGORIES: list[tuple[str, str | None, str, str, str, str]] = [
    ("01", None, "分析仪器", "Analytical instruments", "38432000-2", "902780"),
    ("02", None, "物理性能测试仪器", "Physical-property testing instruments", "38540000-2", "902480"),
    ("03", None, "计量仪器", "Metrology instruments", "38300000-8", "903180"),
    ("04", None, "电子测量仪器", "Electronic measuring instruments", "38340000-0", "903089"),
    ("05", None, "海洋仪器", "Marine instruments", "38290000-4", "901580"),
    ("06", None, "地球探测仪器", "Earth exploration instruments", "38290000-4", "901580"),
    ("07", None, "大气探测仪器", "Atmospheric sounding instruments", "38120000-2", "901580"),
    ("08", None, "特种检测仪器", "Special testing instruments", "38540000-2", "902219"),
    ("09", None, "激光器", "Lasers", "38636100-3", "901320"),
    ("10", None, "工艺试验仪器", "Process testing equipment", "38540000-2", "903180"),
    ("11", None, "计算机及其配套设备", "Computers and peripherals", "30200000-1", "847150"),
    ("12", None, "医学科研仪器", "Medical research instruments", "33100000-1", "901890"),
    ("13", None, "核仪器", "Nuclear instruments", "38341000-7", "903010"),
    ("14", None, "天文仪器", "Astronomical instruments", "38600000-1", "900580"),
    ("15", None, "其他仪器", "Other instruments", "", ""),
    # Analytical instruments, second level
    ("0101", "01", "电子光学仪器", "Electron optical instruments", "38511000-0", "901210"),
    ("0102", "01", "质谱仪器", "Mass spectrometers", "38433100-0", "902781"),
    ("0103", "01", "X射线仪器", "X-ray instruments", "38580000-4", "902219"),
    ("0104", "01", "光谱仪器", "Spectroscopic instruments", "38433000-9", "902730"),
    ("0105", "01", "色谱仪器", "Chromatographs", "38432200-4", "902720"),
    ("0106", "01", "波谱仪器", "Magnetic resonance instruments", "38433000-9", "902789"),
    ("0107", "01", "电化学仪器", "Electrochemical instruments", "38432000-2", "902789"),
    ("0108", "01", "显微镜及图像分析仪器", "Microscopes and image analysers", "38510000-3", "901180"),
    ("0109", "01", "热分析仪器", "Thermal analysers", "38432000-2", "902789"),
    ("0110", "01", "生化分离分析仪器", "Biochemical separation and analysis instruments", "38434000-6", "902789"),
    ("0111", "01", "环境与农业分析仪器", "Environmental and agricultural analysers", "38432000-2", "902789"),
    ("0112", "01", "样品前处理及制备仪器", "Sample preparation instruments", "38432000-2", "902790"),
    ("0113", "01", "元素分析仪器", "Elemental analysers", "38432000-2", "902789"),
    ("0114", "01", "其他分析仪器", "Other analytical instruments", "", ""),
    # Third level where the specification dictionary needs it
    ("010101", "0101", "扫描电子显微镜", "Scanning electron microscopes", "38511100-1", "901210"),
    ("010102", "0101", "透射电子显微镜", "Transmission electron microscopes", "38511200-2", "901210"),
    ("010201", "0102", "液相色谱-质谱联用仪", "Liquid chromatography-mass spectrometers", "38433100-0", "902781"),
    ("010202", "0102", "气相色谱-质谱联用仪", "Gas chromatography-mass spectrometers", "38433100-0", "902781"),
    ("010203", "0102", "电感耦合等离子体质谱仪", "ICP mass spectrometers", "38433100-0", "902781"),
    ("010301", "0103", "X射线衍射仪", "X-ray diffractometers", "38580000-4", "902219"),
    ("010302", "0103", "X射线荧光光谱仪", "X-ray fluorescence spectrometers", "38580000-4", "902219"),
    ("010401", "0104", "紫外可见分光光度计", "UV-Vis spectrophotometers", "38433000-9", "902730"),
    ("010402", "0104", "傅里叶变换红外光谱仪", "FTIR spectrometers", "38433000-9", "902730"),
    ("010403", "0104", "拉曼光谱仪", "Raman spectrometers", "38433000-9", "902730"),
    ("010404", "0104", "原子吸收光谱仪", "Atomic absorption spectrometers", "38433000-9", "902730"),
    ("010405", "0104", "电感耦合等离子体发射光谱仪", "ICP optical emission spectrometers", "38433000-9", "902730"),
    ("010501", "0105", "液相色谱仪", "Liquid chromatographs", "38432200-4", "902720"),
    ("010502", "0105", "气相色谱仪", "Gas chromatographs", "38432200-4", "902720"),
    ("010503", "0105", "离子色谱仪", "Ion chromatographs", "38432200-4", "902720"),
    ("010601", "0106", "核磁共振波谱仪", "NMR spectrometers", "38433000-9", "902789"),
    ("010602", "0106", "电子顺磁共振波谱仪", "EPR spectrometers", "38433000-9", "902789"),
    ("010701", "0107", "电化学工作站", "Electrochemical workstations", "38432000-2", "902789"),
    ("010901", "0109", "热重分析仪", "Thermogravimetric analysers", "38432000-2", "902789"),
    ("010902", "0109", "差示扫描量热仪", "Differential scanning calorimeters", "38432000-2", "902789"),
    ("010903", "0109", "同步热分析仪", "Simultaneous thermal analysers", "38432000-2", "902789"),
    ("0901", "09", "固体激光器", "Solid-state lasers", "38636100-3", "901320"),
    ("0902", "09", "光纤激光器", "Fibre lasers", "38636100-3", "901320"),
    ("0903", "09", "超快激光器", "Ultrafast lasers", "38636100-3", "901320"),
]

N, R, C, B = "number", "range", "choice", "boolean"
HI, LO, WIDE, NONE = "higher", "lower", "wider", "none"

# category code -> [(key, Chinese name, English name, canonical unit, value type, better, min, max, choices)]
# min/max are the sane bounds in the canonical unit: values outside them are typing mistakes, not instruments.
Param = tuple[str, str, str, str, str, str, float | None, float | None, list[str]]
PARAMETERS: dict[str, list[Param]] = {
    # Chromatographs (all)
    "0105": [
        (
            "detector_type",
            "检测器类型",
            "Detector type",
            "",
            C,
            NONE,
            None,
            None,
            ["UV", "DAD", "FLD", "RID", "ELSD", "CAD", "FID", "TCD", "ECD", "NPD", "FPD", "MS", "conductivity"],
        ),
        (
            "retention_time_rsd",
            "保留时间重复性 (RSD)",
            "Retention-time repeatability (RSD)",
            "percent",
            N,
            LO,
            0,
            10,
            [],
        ),
        ("peak_area_rsd", "峰面积重复性 (RSD)", "Peak-area repeatability (RSD)", "percent", N, LO, 0, 10, []),
    ],
    "010501": [
        ("flow_rate", "流量范围", "Flow-rate range", "mL/min", R, WIDE, 0, 100, []),
        ("pressure_max", "最高耐压", "Pressure limit", "MPa", N, HI, 1, 300, []),
        ("wavelength", "检测波长范围", "Detector wavelength range", "nm", R, WIDE, 100, 1100, []),
        ("injection_volume", "进样体积范围", "Injection volume range", "µL", R, WIDE, 0, 10000, []),
        ("flow_accuracy", "流量准确度", "Flow accuracy", "percent", N, LO, 0, 10, []),
        ("pump_type", "泵类型", "Pump type", "", C, NONE, None, None, ["isocratic", "binary", "quaternary"]),
        ("column_oven_max", "柱温箱最高温度", "Column oven maximum temperature", "degC", N, HI, 20, 200, []),
        ("autosampler_capacity", "自动进样器样品位", "Autosampler positions", "", N, HI, 1, 2000, []),
    ],
    "010502": [
        ("oven_temp_max", "柱箱最高温度", "Oven maximum temperature", "degC", N, HI, 50, 500, []),
        ("oven_ramp_max", "最大升温速率", "Maximum oven ramp rate", "K/min", N, HI, 1, 1000, []),
        ("inlet_pressure_max", "进样口最高压力", "Inlet pressure limit", "kPa", N, HI, 10, 1500, []),
        ("fid_detection_limit", "FID 检测限", "FID detection limit", "pg/s", N, LO, 0, 1000, []),
        ("inlet_count", "进样口数量", "Number of inlets", "", N, HI, 1, 4, []),
        ("epc", "电子压力控制", "Electronic pressure control", "", B, HI, None, None, []),
    ],
    "010503": [
        ("flow_rate", "流量范围", "Flow-rate range", "mL/min", R, WIDE, 0, 20, []),
        ("pressure_max", "最高耐压", "Pressure limit", "MPa", N, HI, 1, 100, []),
        ("conductivity_noise", "电导检测器噪声", "Conductivity detector noise", "nS/cm", N, LO, 0, 100, []),
        ("eluent_generator", "淋洗液自动发生", "Eluent generation", "", B, HI, None, None, []),
    ],
    # Mass spectrometers (all)
    "0102": [
        ("mass_range", "质量范围", "Mass range", "m_z", R, WIDE, 1, 100000, []),
        ("resolution", "分辨率", "Resolution", "", N, HI, 1, 2000000, []),
        ("mass_accuracy", "质量准确度", "Mass accuracy", "ppm", N, LO, 0, 1000, []),
        (
            "ion_source",
            "离子源",
            "Ion source",
            "",
            C,
            NONE,
            None,
            None,
            ["ESI", "APCI", "APPI", "EI", "CI", "MALDI", "ICP"],
        ),
        (
            "analyzer",
            "质量分析器",
            "Mass analyser",
            "",
            C,
            NONE,
            None,
            None,
            [
                "single quadrupole",
                "triple quadrupole",
                "ion trap",
                "Q-TOF",
                "TOF",
                "Orbitrap",
                "FT-ICR",
                "magnetic sector",
            ],
        ),
    ],
    "010201": [
        ("scan_speed", "扫描速度", "Scan speed", "m_z/s", N, HI, 1, 100000, []),
        ("polarity_switching", "正负切换时间", "Polarity switching time", "ms", N, LO, 0, 1000, []),
        ("mrm_per_second", "每秒 MRM 通道数", "MRM transitions per second", "", N, HI, 1, 2000, []),
    ],
    "010202": [
        ("ei_sensitivity", "EI 灵敏度 (1 pg OFN 信噪比)", "EI sensitivity (S/N, 1 pg OFN)", "", N, HI, 1, 1000000, []),
        ("scan_speed", "扫描速度", "Scan speed", "m_z/s", N, HI, 1, 100000, []),
    ],
    "010203": [
        ("detection_limit", "检出限 (典型元素)", "Detection limit (typical element)", "ng/L", N, LO, 0, 1000, []),
        ("background", "背景计数", "Background", "cps", N, LO, 0, 100, []),
        ("oxide_ratio", "氧化物比 (CeO/Ce)", "Oxide ratio (CeO/Ce)", "percent", N, LO, 0, 10, []),
        ("doubly_charged_ratio", "双电荷比 (Ce2+/Ce)", "Doubly charged ratio (Ce2+/Ce)", "percent", N, LO, 0, 10, []),
        ("short_term_stability", "短期稳定性 (RSD)", "Short-term stability (RSD)", "percent", N, LO, 0, 10, []),
        ("collision_cell", "碰撞/反应池", "Collision/reaction cell", "", B, HI, None, None, []),
    ],
    # Spectroscopy
    "010401": [
        ("wavelength_range", "波长范围", "Wavelength range", "nm", R, WIDE, 160, 3300, []),
        ("spectral_bandwidth", "光谱带宽", "Spectral bandwidth", "nm", N, LO, 0.01, 20, []),
        ("wavelength_accuracy", "波长准确度", "Wavelength accuracy", "nm", N, LO, 0, 5, []),
        ("photometric_accuracy", "光度准确度 (Abs)", "Photometric accuracy (Abs)", "", N, LO, 0, 0.1, []),
        ("photometric_range", "光度范围 (Abs)", "Photometric range (Abs)", "", R, WIDE, -5, 10, []),
        ("stray_light", "杂散光", "Stray light", "percent", N, LO, 0, 5, []),
        (
            "optics",
            "光学系统",
            "Optics",
            "",
            C,
            NONE,
            None,
            None,
            ["single beam", "double beam", "split beam", "array"],
        ),
    ],
    "010402": [
        ("wavenumber_range", "波数范围", "Wavenumber range", "1/cm", R, WIDE, 5, 50000, []),
        ("spectral_resolution", "光谱分辨率", "Spectral resolution", "1/cm", N, LO, 0.001, 32, []),
        (
            "signal_to_noise",
            "信噪比 (峰-峰, 1 分钟)",
            "Signal-to-noise (peak to peak, 1 min)",
            "",
            N,
            HI,
            100,
            1000000,
            [],
        ),
    ],
    "010403": [
        ("raman_shift_range", "拉曼位移范围", "Raman shift range", "1/cm", R, WIDE, 5, 10000, []),
        ("spectral_resolution", "光谱分辨率", "Spectral resolution", "1/cm", N, LO, 0.01, 20, []),
        ("excitation_wavelength", "激发波长", "Excitation wavelength", "nm", N, NONE, 200, 1100, []),
        ("spatial_resolution", "空间分辨率", "Spatial resolution", "µm", N, LO, 0.1, 100, []),
    ],
    "010404": [
        ("wavelength_range", "波长范围", "Wavelength range", "nm", R, WIDE, 180, 1000, []),
        (
            "cu_characteristic_concentration",
            "铜特征浓度 (火焰)",
            "Cu characteristic concentration (flame)",
            "mg/L",
            N,
            LO,
            0,
            1,
            [],
        ),
        ("baseline_drift", "基线漂移 (Abs/30 min)", "Baseline drift (Abs per 30 min)", "", N, LO, 0, 0.05, []),
        (
            "atomizer",
            "原子化器",
            "Atomizer",
            "",
            C,
            NONE,
            None,
            None,
            ["flame", "graphite furnace", "flame and furnace", "hydride"],
        ),
    ],
    "010405": [
        ("wavelength_range", "波长范围", "Wavelength range", "nm", R, WIDE, 120, 1000, []),
        ("optical_resolution", "光学分辨率 (200 nm 处)", "Optical resolution (at 200 nm)", "nm", N, LO, 0.001, 0.1, []),
        ("rf_power_max", "最大射频功率", "Maximum RF power", "W", N, HI, 500, 2500, []),
        ("detection_limit", "检出限 (典型元素)", "Detection limit (typical element)", "µg/L", N, LO, 0, 1000, []),
        ("short_term_stability", "短期稳定性 (RSD)", "Short-term stability (RSD)", "percent", N, LO, 0, 10, []),
        ("plasma_view", "观测方式", "Plasma view", "", C, NONE, None, None, ["axial", "radial", "dual view"]),
    ],
    # Electron optics (SEM and TEM share these)
    "0101": [
        ("resolution", "分辨率", "Resolution", "nm", N, LO, 0.03, 100, []),
        ("accelerating_voltage", "加速电压", "Accelerating voltage", "kV", R, WIDE, 0.01, 1300, []),
        (
            "electron_source",
            "电子枪",
            "Electron source",
            "",
            C,
            NONE,
            None,
            None,
            ["tungsten", "LaB6", "Schottky field emission", "cold field emission"],
        ),
    ],
    "010101": [
        ("magnification", "放大倍数范围", "Magnification range", "times", R, WIDE, 1, 5000000, []),
        ("probe_current_max", "最大束流", "Maximum probe current", "nA", N, HI, 0.1, 5000, []),
        ("low_vacuum", "低真空模式", "Low-vacuum mode", "", B, HI, None, None, []),
        ("stage_travel_x", "样品台 X 行程", "Stage travel X", "mm", N, HI, 5, 300, []),
    ],
    "010102": [
        ("information_limit", "信息分辨率", "Information limit", "nm", N, LO, 0.03, 1, []),
        ("tilt_angle", "样品杆倾转角", "Specimen tilt angle", "degree", N, HI, 0, 90, []),
        ("cs_corrector", "球差校正器", "Cs corrector", "", B, HI, None, None, []),
    ],
    # X-ray
    "010301": [
        ("two_theta_range", "2θ 测角范围", "2θ range", "degree", R, WIDE, -120, 170, []),
        ("angle_step_min", "最小步进角", "Minimum step size", "degree", N, LO, 0.00001, 1, []),
        ("angular_reproducibility", "角度重现性", "Angular reproducibility", "degree", N, LO, 0, 0.1, []),
        ("tube_power_max", "X 光管最大功率", "Tube maximum power", "kW", N, HI, 0.1, 20, []),
        ("goniometer_radius", "测角仪半径", "Goniometer radius", "mm", N, NONE, 50, 600, []),
        ("target", "靶材", "Anode target", "", C, NONE, None, None, ["Cu", "Co", "Mo", "Cr", "Fe", "Ag"]),
    ],
    "010302": [
        ("energy_resolution", "能量分辨率", "Energy resolution", "eV", N, LO, 50, 500, []),
        ("tube_power_max", "X 光管最大功率", "Tube maximum power", "kW", N, HI, 0.001, 10, []),
        (
            "element_range",
            "元素分析范围",
            "Element range",
            "",
            C,
            NONE,
            None,
            None,
            ["Be-U", "B-U", "C-U", "F-U", "Na-U"],
        ),
    ],
    # Magnetic resonance
    "010601": [
        ("proton_frequency", "1H 共振频率", "Proton frequency", "MHz", N, HI, 1, 1300, []),
        ("field_strength", "磁场强度", "Field strength", "T", N, HI, 0.02, 31, []),
        ("sensitivity_1h", "1H 灵敏度 (0.1% 乙苯)", "1H sensitivity (0.1% ethylbenzene S/N)", "", N, HI, 50, 20000, []),
        ("lineshape_50", "谱线线型 (50% 处)", "Lineshape at 50%", "Hz", N, LO, 0, 5, []),
        ("vt_range", "变温范围", "Variable-temperature range", "degC", R, WIDE, -200, 300, []),
        ("cryoprobe", "超低温探头", "Cryoprobe", "", B, HI, None, None, []),
    ],
    "010602": [
        ("band", "微波频段", "Microwave band", "", C, NONE, None, None, ["X", "Q", "W"]),
        ("field_range", "磁场扫描范围", "Field sweep range", "mT", R, WIDE, 0, 2000, []),
        ("field_resolution", "磁场分辨率", "Field resolution", "mT", N, LO, 0, 1, []),
    ],
    # Electrochemistry
    "010701": [
        ("potential_range", "电位范围", "Potential range", "V", R, WIDE, -100, 100, []),
        ("current_max", "最大电流", "Maximum current", "mA", N, HI, 0.001, 100000, []),
        ("current_resolution", "电流分辨率", "Current resolution", "pA", N, LO, 0, 1000000, []),
        ("eis_frequency", "阻抗频率范围", "Impedance frequency range", "Hz", R, WIDE, 0.000001, 100000000, []),
        ("channels", "通道数", "Channels", "", N, HI, 1, 128, []),
    ],
    # Thermal analysers (all)
    "0109": [
        ("temperature_range", "温度范围", "Temperature range", "degC", R, WIDE, -196, 2800, []),
        ("heating_rate_max", "最大升温速率", "Maximum heating rate", "K/min", N, HI, 0.01, 1000, []),
        ("temperature_accuracy", "温度准确度", "Temperature accuracy", "K", N, LO, 0, 10, []),
    ],
    "010901": [
        ("balance_sensitivity", "天平灵敏度", "Balance sensitivity", "µg", N, LO, 0.01, 100, []),
        ("sample_mass_max", "最大样品量", "Maximum sample mass", "mg", N, HI, 1, 50000, []),
    ],
    "010902": [
        ("dsc_sensitivity", "DSC 灵敏度", "DSC sensitivity", "µW", N, LO, 0.01, 100, []),
        ("enthalpy_precision", "焓值精度", "Enthalpy precision", "percent", N, LO, 0, 10, []),
    ],
    "010903": [
        ("balance_sensitivity", "天平灵敏度", "Balance sensitivity", "µg", N, LO, 0.01, 100, []),
        ("dsc_sensitivity", "DSC 灵敏度", "DSC sensitivity", "µW", N, LO, 0.01, 100, []),
    ],
    # Lasers (all)
    "09": [
        ("wavelength", "中心波长", "Centre wavelength", "nm", N, NONE, 100, 20000, []),
        ("output_power", "平均输出功率", "Average output power", "W", N, HI, 0.000001, 100000, []),
        ("power_stability", "功率稳定性 (RMS)", "Power stability (RMS)", "percent", N, LO, 0, 20, []),
        ("beam_quality", "光束质量 M²", "Beam quality M²", "", N, LO, 1, 100, []),
        (
            "operation_mode",
            "工作方式",
            "Operation mode",
            "",
            C,
            NONE,
            None,
            None,
            ["CW", "pulsed", "quasi-CW", "mode-locked"],
        ),
    ],
    "0903": [
        ("pulse_width", "脉冲宽度", "Pulse width", "fs", N, LO, 1, 1000000, []),
        ("repetition_rate", "重复频率", "Repetition rate", "kHz", N, HI, 0.001, 10000000, []),
        ("pulse_energy", "单脉冲能量", "Pulse energy", "µJ", N, HI, 0.0001, 1000000, []),
    ],
}

# Categories whose products need a higher domestic-content share to count as domestic (high-end systems whose
# value sits in a few imported core parts).
DOMESTIC_THRESHOLDS: dict[str, str] = {"0102": "0.600", "0106": "0.600"}
