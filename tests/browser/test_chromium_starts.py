def test_headless_chromium_renders_the_start_page(live_server, new_page, axe_check):
    page = new_page()
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Neighbours helping neighbours"
    axe_check(page)
