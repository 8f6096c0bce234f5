import pytest

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_by_default_and_english_after_switching(client, settings):
    # given the platform's default language (the shared test settings pick English)
    settings.LANGUAGE_CODE = "zh-hans"
    # when a visitor without preferences opens the home page
    response = client.get("/")
    # then it is Chinese, from the compiled catalog
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "找到满足您技术指标的国产仪器" in html
    assert "登录" in html

    # when they choose English in the language switcher
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    html = client.get("/").content.decode()
    # then the same page is English
    assert '<html lang="en">' in html
    assert "Find the domestic instrument that meets your specification" in html
    assert "Log in" in html


def test_account_pages_are_translated(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = client.get("/accounts/signup/").content.decode()
    assert "注册" in html
    assert "统一社会信用代码" in html


def test_api_errors_follow_the_request_language(api_client):
    response = api_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json()["detail"] == "身份认证信息未提供。"


def test_platform_translations_take_precedence_over_the_admins(client, settings):
    # given a word the Django admin also translates, differently ("Filter" is 过滤器 there)
    settings.LANGUAGE_CODE = "zh-hans"
    # when the catalog's filter form is shown in Chinese
    html = client.get("/catalog/").content.decode()
    # then the platform's own translation is used
    assert "筛选" in html
    assert "过滤器" not in html
