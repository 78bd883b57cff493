"""The coordinators' console in a real browser (Debian chromium, headless), clicked as a person would.

Run by Tests/TsunagiConsoleTests/ConsoleBrowserTests.swift against a real router, real workers and
the real `tsunagi console`. Arguments: a JSON file naming the console's URL, the account, the
referral ids the Swift side planted, the outbox to drop a new referral into and that referral's
document, the planted personal name, and folders for downloads and screenshots.
Prints one line "console browser: N checks passed" and exits 0, or exits 1 with the failing check.
"""
import base64
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

settings = json.load(open(sys.argv[1], encoding="utf-8"))
base = settings["url"].rstrip("/")
planted = settings["planted_name"]
checks = 0


def check(condition, what):
    global checks
    if not condition:
        print("console browser: FAILED: " + what, flush=True)
        raise SystemExit(1)
    checks += 1


def no_personal_data(page):
    check(planted not in driver.page_source, page + " shows no personal name")


def screenshot(name):
    folder = settings.get("screenshots")
    if folder:
        # The whole page, however long, at the window's width.
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}})
        with open(os.path.join(folder, name + ".png"), "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--lang=ja"]:
    options.add_argument(argument)
options.add_experimental_option("prefs", {
    "download.default_directory": settings["downloads"],
    "download.prompt_for_download": False,
    "intl.accept_languages": "ja",
})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": settings["downloads"]})
wait = WebDriverWait(driver, 30)

try:
    # Log in: the console sends a visitor to its login page first.
    driver.get(base + "/")
    wait.until(lambda d: "/login" in d.current_url)
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja", "the login page says lang=ja")
    screenshot("console-login")
    driver.find_element(By.ID, "username").send_keys(settings["user"])
    driver.find_element(By.ID, "password").send_keys(settings["password"])
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.ID, "unacknowledged"))

    # 未応答の紹介: overdue first. The live script replaces the table every few seconds (the first
    # time even when nothing changed), so an element found before a swap is stale after it: the
    # rows are read in one script, in the page's own thread, never element by element.
    def table_rows():
        return driver.execute_script("""
            return Array.from(document.querySelectorAll("#unacknowledged tbody tr")).map(function (row) {
                return {cells: Array.from(row.cells).map(function (cell) { return cell.innerText.trim(); }),
                        overdue: row.classList.contains("overdue"), text: row.innerText};
            });""")

    def row_ids():
        return [row["cells"][0] for row in table_rows() if len(row["cells"]) > 1]

    ids = row_ids()
    for planted_id in settings["open_ids"]:
        check(planted_id in ids, planted_id + " is listed as unacknowledged")
    check(ids[0] == settings["overdue_id"], "the overdue referral comes first (got %s)" % ids[:3])
    first_row = table_rows()[0]
    check(first_row["overdue"] and "期限超過" in first_row["text"], "the first row is marked 期限超過 in words")
    no_personal_data("未応答の紹介")
    screenshot("console-unacknowledged")

    # A new referral appears without reloading: the page keeps a marker a reload would wipe.
    driver.execute_script("window.consoleNotReloaded = true;")
    outbox = settings["outbox"]
    temporary = os.path.join(outbox, ".new-referral.json.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(settings["new_document"])
    os.rename(temporary, os.path.join(outbox, "new-referral.json"))
    new_id = settings["new_id"]
    WebDriverWait(driver, 60).until(lambda d: new_id in row_ids())
    check(driver.execute_script("return window.consoleNotReloaded === true;"), "the new referral appeared without a reload")

    # Its history. The link may be swapped out between finding and clicking it: then it is found again.
    def click_link(d):
        d.find_element(By.LINK_TEXT, new_id).click()
        return True

    WebDriverWait(driver, 30, ignored_exceptions=[StaleElementReferenceException]).until(click_link)
    wait.until(lambda d: new_id in d.find_element(By.TAG_NAME, "h1").text)
    history = driver.find_element(By.TAG_NAME, "main").text
    check("紹介の履歴" in driver.title and "送信済" in history, "the history shows the submission")
    check("同意の根拠" in history and "市町村" in history, "the history shows the routing facts")
    no_personal_data("紹介の履歴")
    screenshot("console-history")

    # 実績: the R-period CSV, as Excel would open it.
    driver.find_element(By.LINK_TEXT, "実績").click()
    wait.until(lambda d: d.find_elements(By.ID, "period"))
    period = driver.find_element(By.ID, "period")
    period.clear()
    period.send_keys(settings["period"])
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.PARTIAL_LINK_TEXT, "CSVで保存"))
    no_personal_data("実績")
    screenshot("console-report")
    driver.find_element(By.PARTIAL_LINK_TEXT, "CSVで保存").click()
    deadline = time.time() + 30
    saved = []
    while time.time() < deadline:
        saved = [name for name in os.listdir(settings["downloads"]) if name.endswith(".csv")]
        if saved:
            break
        time.sleep(0.2)
    check(len(saved) == 1, "the CSV was downloaded (%s)" % os.listdir(settings["downloads"]))
    raw = open(os.path.join(settings["downloads"], saved[0]), "rb").read()
    check(raw.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 byte-order mark")
    text = raw.decode("utf-8-sig")
    heading = text.splitlines()[0]
    check("他機関へのつなぎ" in heading and "機関" in heading, "the CSV's headings are Japanese: " + heading)
    check(planted not in text, "the CSV holds no personal name")

    # Filter by region with the GET form.
    driver.find_element(By.LINK_TEXT, "未応答の紹介").click()
    wait.until(lambda d: d.find_elements(By.ID, "region"))
    all_count = len(row_ids())
    Select(driver.find_element(By.ID, "region")).select_by_visible_text(settings["region"])
    driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait.until(lambda d: "region=" in d.current_url)
    regions = [row["cells"][3] for row in table_rows() if len(row["cells"]) > 3]
    check(regions and all(region == settings["region"] for region in regions), "only %s is listed: %s" % (settings["region"], regions))
    check(len(regions) < all_count, "the filter narrowed the list")
    check(Select(driver.find_element(By.ID, "region")).first_selected_option.text == settings["region"], "the form keeps the chosen region")
    no_personal_data("未応答の紹介（絞り込み）")

    # 突合 and 接続状況.
    driver.find_element(By.LINK_TEXT, "突合").click()
    wait.until(lambda d: "突合" in d.find_element(By.TAG_NAME, "h1").text)
    check(settings["reconcile_day"] in driver.find_element(By.TAG_NAME, "main").text, "the night's reconcile result is shown")
    no_personal_data("突合")
    screenshot("console-reconcile")
    driver.find_element(By.LINK_TEXT, "接続状況").click()
    wait.until(lambda d: "接続状況" in d.find_element(By.TAG_NAME, "h1").text)
    connections = driver.find_element(By.TAG_NAME, "main").text
    check("須崎福祉保健所" in connections, "every registered agency is listed")
    # The router's metrics server answers: the workers the test started are connected, the others never were.
    check("ルーターに接続状況を問い合わせられませんでした" not in connections, "the router's /agencies answered")
    rows = {row.find_element(By.TAG_NAME, "th").text: row.text for row in driver.find_elements(By.CSS_SELECTOR, "main tbody tr")}
    for name in settings["connected_names"]:
        check("接続中" in rows.get(name, ""), name + " is shown connected: " + rows.get(name, "(missing)"))
    check("接続したことがない" in rows.get("須崎福祉保健所", ""), "須崎福祉保健所 never connected: " + rows.get("須崎福祉保健所", ""))
    no_personal_data("接続状況")
    screenshot("console-connections")

    # Everything is reachable from the keyboard: the skip link comes first.
    driver.get(base + "/")
    wait.until(lambda d: d.find_elements(By.ID, "unacknowledged"))
    driver.find_element(By.TAG_NAME, "body").send_keys("\t")
    focused = driver.switch_to.active_element
    check(focused.get_attribute("class") == "skip", "Tab first reaches the skip link")
finally:
    driver.quit()

print("console browser: %d checks passed" % checks, flush=True)
