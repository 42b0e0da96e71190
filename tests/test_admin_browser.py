"""The admin in a real browser: what an editor sees and drags, measured in Chromium."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from taxonomy.integrity import tree_problems
from taxonomy.models import Structure, Topic

from .conftest import BROWSER_TESTS, make_release

pytestmark = BROWSER_TESTS

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}

# True when ``text`` drawn in ``element``'s font looks like a character no font
# has (U+0378 is unassigned): that is the box ("tofu") a reader would see.
IS_A_BOX = """([element, text]) => {
  const font = getComputedStyle(element).font;
  const draw = (s) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.font = font; ctx.fillStyle = "#000"; ctx.textBaseline = "top";
    ctx.fillText(s, 8, 8);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  return draw(text) === draw("\\u0378");
}"""


@pytest.fixture
def admin_page(browser, live_server, taxonomy):  # noqa: F811
    User.objects.create_superuser("editor", "editor@example.org", "pw-editor-test")

    def open_as_admin(path, viewport=DESKTOP):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "editor")
        page.fill("#id_password", "pw-editor-test")
        page.click("input[type=submit]")
        page.goto(f"{live_server.url}{path}")
        contexts.append(context)
        return page

    contexts = []
    yield open_as_admin
    for context in contexts:
        context.close()


def test_the_box_detector_detects(admin_page):
    """The check below can fail: an unassigned character is a box, a letter is not."""
    page = admin_page("/admin/")
    body = page.locator("body").element_handle()
    assert page.evaluate(IS_A_BOX, [body, "\u0379"]) is True
    assert page.evaluate(IS_A_BOX, [body, "A"]) is False


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_body_editor_is_about_twenty_lines_high(admin_page, viewport):
    page = admin_page("/admin/press/pressrelease/add/", viewport)
    editor = page.locator(".prose-editor .ProseMirror[contenteditable]")
    editor.wait_for()
    line = page.locator(".prose-editor .ProseMirror[contenteditable] p").first.bounding_box()[
        "height"
    ]
    height = editor.bounding_box()["height"]
    assert line > 10
    assert height >= 20 * line, (height, line)


def test_no_editor_toolbar_glyph_is_a_box(admin_page):
    page = admin_page("/admin/press/pressrelease/add/")
    page.locator(".prose-menubar").wait_for()
    selected = page.locator(".prose-menubar__selected").element_handle()
    content = page.evaluate("(e) => getComputedStyle(e, '::after').content", selected)
    text = content.strip('"') if content not in ("none", "normal") else ""
    assert not any(page.evaluate(IS_A_BOX, [selected, char]) for char in text), content
    # The menu still shows that it opens: a drawn arrow.
    border = page.evaluate("(e) => getComputedStyle(e, '::after').borderTopWidth", selected)
    assert text or float(border.removesuffix("px")) > 0


def test_the_scheduled_mark_is_no_box(admin_page):
    from datetime import timedelta

    from taxonomy import clock

    make_release("Later", published_at=clock.now() + timedelta(days=2))
    page = admin_page("/admin/press/pressrelease/")
    cell = page.locator("td.field-state_badge").first
    assert "Scheduled for" in cell.inner_text()
    handle = cell.element_handle()
    boxes = [c for c in cell.inner_text() if page.evaluate(IS_A_BOX, [handle, c])]
    assert boxes == []
    assert cell.locator("svg").count() == 1  # the mark is drawn


LONG_TAGS = {
    "structures": [
        "conflict-prevention-centre",
        "office-of-the-co-ordinator-of-osce-economic-and-environmental-activities",
        "mission-to-bosnia-and-herzegovina",
        "secretariat",
        "institutions",
    ],
    "countries": ["bosnia-and-herzegovina", "united-states-of-america", "moldova", "serbia"],
    "topics": ["elections", "youth", "environmental-activities", "arms-control"],
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_tag_chips_show_the_whole_path(admin_page, viewport):
    slugs = set(Structure.objects.values_list("slug", flat=True))
    tags = {k: [s for s in v if k != "structures" or s in slugs] for k, v in LONG_TAGS.items()}
    release = make_release("Many tags", tags=tags)
    page = admin_page(f"/admin/press/pressrelease/{release.pk}/change/", viewport)
    page.locator(".field-structures .select2-selection__choice").first.wait_for()
    measured = page.evaluate("""() => {
      const out = [];
      for (const chip of document.querySelectorAll(".select2-selection__choice")) {
        const box = chip.closest(".select2-selection").getBoundingClientRect();
        const c = chip.getBoundingClientRect();
        out.push({text: chip.title || chip.textContent, left: c.left, right: c.right,
                  boxLeft: box.left, boxRight: box.right,
                  clipped: chip.scrollWidth > chip.clientWidth + 1});
      }
      return {chips: out, pageWidth: document.documentElement.scrollWidth};
    }""")
    chips = measured["chips"]
    assert len(chips) >= 10
    assert any("Secretariat › Conflict Prevention Centre" in c["text"] for c in chips)
    for chip in chips:
        assert not chip["clipped"], chip
        assert chip["boxLeft"] <= chip["left"] and chip["right"] <= chip["boxRight"] + 1, chip
    assert measured["pageWidth"] <= viewport["width"]
    if viewport is DESKTOP:  # wider than Django's 20em (260 px) on a desktop
        width = page.locator(".field-structures .select2-container").bounding_box()["width"]
        assert width > 500


def test_pick_a_parent_by_typing_part_of_its_path(admin_page, live_server):
    unit = Structure.objects.get(slug="conflict-prevention-centre")
    page = admin_page(f"/admin/taxonomy/structure/{unit.pk}/change/")
    page.click(".field-parent .select2-selection")
    # Typed into select2's own search box once it is there: keys pressed
    # before the dropdown has opened would go nowhere.
    page.locator(".select2-container--open .select2-search__field").press_sequentially(
        "programme office"
    )
    options = page.locator(".select2-results__option:not(.loading-results)")
    # select2 shows the unfiltered list first and asks for the typed term
    # after its delay: wait for the answer to the term, however slow.
    expect(options).to_have_text(
        [
            "Secretariat › Documentation Centre in Prague",  # "programme", "Prague Office"
            "Field operations › Programme Office in Astana",
            "Field operations › Programme Office in Bishkek",
            "Field operations › Programme Office in Dushanbe",
        ],
        timeout=15_000,
    )
    options.nth(2).click()
    page.click("input[name=_save]")
    page.wait_for_url("**/structure/")
    unit.refresh_from_db()
    assert unit.parent.slug == "programme-office-in-bishkek"
    assert tree_problems(Structure) == []


def drag_into(page, node, target):
    """Drag ``node``'s handle to the middle third of ``target``'s row ("into")."""
    handle = page.locator(f'.tree-node[data-pk="{node.pk}"]').locator(
        "xpath=ancestor::tr//div[contains(@class,'drag-handle')]"
    )
    target_row = page.locator(f'.tree-node[data-pk="{target.pk}"]').locator("xpath=ancestor::tr")
    start = handle.bounding_box()
    row = target_row.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    # Move in steps, as a hand would: the script follows mousemove.
    page.mouse.move(row["x"] + 300, row["y"] + row["height"] / 2, steps=12)
    # Once more where it stopped, after the script has caught up: on a busy
    # machine the last of the steps can be handled after the button is released.
    page.wait_for_timeout(250)
    page.mouse.move(row["x"] + 301, row["y"] + row["height"] / 2)
    with page.expect_navigation():
        page.mouse.up()


TALL = {"width": 1280, "height": 2400}  # the whole tree in view: no scrolling mid-drag


def test_drop_a_node_into_a_node_that_has_children(admin_page):
    parent = Topic.objects.get(slug="environmental-activities")
    children_before = list(parent.get_children().values_list("slug", flat=True))
    assert children_before  # the drop target already has children
    youth = Topic.objects.get(slug="youth")
    drag_into(admin_page("/admin/taxonomy/topic/", TALL), youth, parent)
    youth.refresh_from_db()
    parent.refresh_from_db()
    assert youth.parent_id == parent.pk
    # Where the drop line was drawn: first under the new parent.
    assert list(parent.get_children().values_list("slug", flat=True)) == [
        "youth",
        *children_before,
    ]
    assert tree_problems(Topic) == []


def test_drop_a_node_into_a_node_without_children(admin_page):
    leaf = Topic.objects.get(slug="elections")
    assert not leaf.get_children().exists()
    youth = Topic.objects.get(slug="youth")
    drag_into(admin_page("/admin/taxonomy/topic/", TALL), youth, leaf)
    leaf.refresh_from_db()  # mptt answers "no children" from the stale lft/rght
    assert list(leaf.get_children().values_list("slug", flat=True)) == ["youth"]
    assert tree_problems(Topic) == []
