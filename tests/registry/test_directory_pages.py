"""The public directory pages as an anonymous visitor: lists, search, filters, sorting,
profiles, community groups; Chinese, accessible, no private data."""

import datetime

import pytest
from django.urls import reverse

from registry.models import Organization

pytest_plugins = ["tests.registry.directory_data"]


def names(response):
    assert response.status_code == 200, response.content[:500]
    return [row.name for row in response.context["page"]]


def test_directory_lists_every_organization_by_pinyin(client, orgs):
    response = client.get(reverse("directory:organizations"))
    assert names(response) == [
        "和平区慈善协会",
        "和平区围棋协会",
        "和平区养老服务中心",
        "天津市和平区五大道历史文化研究会",
    ]
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "4 个组织" in html
