import pytest

from config.exceptions import ApplicationError
from procurement.models import Requirement
from procurement.requirement_rules import RequirementInput, requirement_clean
from procurement.services import requirements_validate
from tests.procurement.factories import make_dictionary

pytestmark = pytest.mark.django_db


@pytest.fixture
def dictionary():
    return make_dictionary()


def test_number_requirement_is_converted_to_the_canonical_unit(dictionary):
    clean = requirement_clean(
        dictionary.pressure, RequirementInput(parameter_key="max_pressure", operator=">=", value="600", unit="bar")
    )
    assert clean.value == pytest.approx(60.0)
    assert clean.entered_value == "600"
    assert clean.unit == "bar"


def test_number_without_unit_is_taken_in_the_canonical_unit(dictionary):
    clean = requirement_clean(
        dictionary.pressure, RequirementInput(parameter_key="max_pressure", operator="<=", value=40)
    )
    assert clean.value == 40.0
    assert clean.unit == "MPa"


def test_range_requirement_converts_both_ends(dictionary):
    clean = requirement_clean(
        dictionary.flow_range,
        RequirementInput(parameter_key="flow_range", operator="covers", value_min=10, value_max=5000, unit="µL/min"),
    )
    assert (clean.value_min, clean.value_max) == (pytest.approx(0.01), pytest.approx(5.0))


@pytest.mark.parametrize(
    ("parameter", "data", "field"),
    [
        ("pressure", RequirementInput("max_pressure", ">=", value=5, unit="nm"), "unit"),
        ("pressure", RequirementInput("max_pressure", ">=", value=5, unit="furlongs per fortnight"), "unit"),
        ("pressure", RequirementInput("max_pressure", "covers", value=5), "operator"),
        ("pressure", RequirementInput("max_pressure", "in", value=5), "operator"),
        ("pressure", RequirementInput("max_pressure", ">=", value=""), "value"),
        ("pressure", RequirementInput("max_pressure", ">=", value="abc"), "value"),
        ("pressure", RequirementInput("max_pressure", ">=", value=301), "value"),
        ("pressure", RequirementInput("max_pressure", ">=", value=-1), "value"),
        ("pressure", RequirementInput("max_pressure", ">=", value=5, weight=-1), "weight"),
        ("flow_range", RequirementInput("flow_range", "covers", value_min=5, value_max=1), "value_min"),
        ("flow_range", RequirementInput("flow_range", "covers", value_min=5), "value_max"),
        ("flow_range", RequirementInput("flow_range", ">=", value=5), "operator"),
        ("detector", RequirementInput("detector", "in", choices=[]), "choices"),
        ("detector", RequirementInput("detector", "in", choices=["UV", "MS"]), "choices"),
        ("detector", RequirementInput("detector", "=", choices=["UV", "DAD"]), "choices"),
        ("detector", RequirementInput("detector", ">=", choices=["UV"]), "operator"),
        ("autosampler", RequirementInput("autosampler", "in", value=True), "operator"),
        ("autosampler", RequirementInput("autosampler", "=", value="maybe"), "value"),
    ],
)
def test_bad_requirements_are_refused_on_the_offending_field(dictionary, parameter, data, field):
    with pytest.raises(ApplicationError) as excinfo:
        requirement_clean(getattr(dictionary, parameter), data)
    assert excinfo.value.field == field


def test_choice_and_boolean_requirements_store_their_values_as_choices(dictionary):
    choice = requirement_clean(dictionary.detector, RequirementInput("detector", "in", choices=["DAD", "UV", "DAD"]))
    single = requirement_clean(dictionary.detector, RequirementInput("detector", "=", value="FLD"))
    flag = requirement_clean(dictionary.autosampler, RequirementInput("autosampler", "=", value="yes"))
    assert choice.value_choices == ["DAD", "UV"]
    assert single.value_choices == ["FLD"]
    assert flag.value_choices == ["true"]


def test_parameters_of_ancestor_categories_are_accepted(dictionary):
    cleaned = requirements_validate(
        category=dictionary.leaf,
        items=[
            RequirementInput("wavelength_max", ">=", value=0.9, unit="µm"),
            RequirementInput("max_pressure", ">=", value=40),
        ],
    )
    assert [(p.key, c.value) for p, c in cleaned] == [("wavelength_max", pytest.approx(900.0)), ("max_pressure", 40.0)]


def test_parameters_of_child_or_unrelated_categories_are_refused(dictionary):
    with pytest.raises(ApplicationError) as excinfo:
        requirements_validate(category=dictionary.root, items=[RequirementInput("max_pressure", ">=", value=40)])
    assert excinfo.value.field == "requirements.0.parameter"


def test_every_bad_row_is_reported_with_its_index(dictionary):
    with pytest.raises(ApplicationError) as excinfo:
        requirements_validate(
            category=dictionary.leaf,
            items=[
                RequirementInput("max_pressure", ">=", value=40),
                RequirementInput("max_pressure", ">=", value=50),
                RequirementInput("detector", "in", choices=[]),
            ],
        )
    assert excinfo.value.field == "requirements.1.parameter"
    rows = excinfo.value.extra["requirements"]
    assert rows[0] == {}
    assert "parameter" in rows[1]
    assert "choices" in rows[2]
    assert Requirement.objects.count() == 0


def test_choices_written_in_another_case_are_stored_in_the_dictionarys_spelling(dictionary):
    clean = requirement_clean(dictionary.detector, RequirementInput("detector", "in", choices=["dad", " UV ", "DAD"]))
    single = requirement_clean(dictionary.detector, RequirementInput("detector", "=", value="fld"))
    assert clean.value_choices == ["DAD", "UV"]
    assert single.value_choices == ["FLD"]


@pytest.mark.parametrize(("word", "stored"), [("是", "true"), ("否", "false"), ("No", "false"), ("支持", "true")])
def test_boolean_requirements_read_the_shared_yes_no_vocabulary(dictionary, word, stored):
    clean = requirement_clean(dictionary.autosampler, RequirementInput("autosampler", "=", value=word))
    assert clean.value_choices == [stored]


def test_full_width_numbers_are_read(dictionary):
    clean = requirement_clean(dictionary.pressure, RequirementInput("max_pressure", ">=", value="６００", unit="bar"))
    assert clean.value == pytest.approx(60.0)
