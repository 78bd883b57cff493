"""Clicks through an agency's desk in headless Chromium, as a staff member would.

Run by Tests/DeskBrowserTests (Swift), which starts the router and two workers and checks the
stores afterwards. Arguments: a JSON object on the command line (base URL, login, the other
worker's outbox, the ids to use, the screenshot folder). Prints one JSON object with what it saw;
exits non-zero on the first failed check, saying which.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

args = json.loads(sys.argv[1])
base = args["base"]
shots = args["screenshots"]
seen = {}


def fail(message):
    print(json.dumps({"failed": message, "seen": seen}, ensure_ascii=False))
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
             "--lang=ja", "--disable-extensions", "--no-first-run"]:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
# A page being replaced by the next one leaves stale elements behind: look again, do not fail.
wait = WebDriverWait(driver, 30, poll_frequency=0.1,
                     ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))


def shot(name):
    os.makedirs(shots, exist_ok=True)
    # The whole page, not just the window: a reader sees every row and field.
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 800)")
    driver.set_window_size(1280, min(int(height) + 40, 4000))
    driver.save_screenshot(os.path.join(shots, name + ".png"))
    driver.set_window_size(1280, 1000)


def text():
    return driver.find_element(By.TAG_NAME, "body").text


def page_says(words):
    """Whether the page comes to show `words`: after a click the next page may not be there yet."""
    try:
        wait.until(lambda d: words in text())
        return True
    except TimeoutException:
        return False


def log_in(user, password):
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").clear()
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()


def drop(document, name, outbox):
    """Puts a referral document into a worker's outbox whole (a hidden name, then a rename)."""
    temporary = os.path.join(outbox, "." + name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
    os.rename(temporary, os.path.join(outbox, name))


try:
    # A wrong password is refused, with the sentence next to the field.
    log_in(args["user"], "not the password")
    check(page_says("利用者名またはパスワードが違います"), "a wrong password was not refused on the page")
    check(driver.find_element(By.ID, "password").get_attribute("aria-invalid") == "true", "the error is not tied to the field")
    seen["wrong_password_refused"] = True
    shot("login")

    log_in(args["user"], args["password"])
    wait.until(lambda d: d.current_url.endswith("/inbox"))
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja", "the page is not lang=ja")

    # The page stays as it is (no reload) while the other worker sends a referral.
    driver.execute_script("window.deskNotReloaded = true;")
    incoming = args["incoming"]
    drop({"routing": {"id": incoming, "from": args["sender"], "to": args["agency"],
                      "created_at": "2026-11-27T09:30:00+09:00", "needs": ["employment", "place-to-belong"],
                      "age_band": "20s", "sex": "male", "municipality": "須崎市",
                      "consent": {"basis": "person", "obtained_on": "2026-11-20", "recorded_by": "相談員A"}},
          "personal": {"name": args["person"], "contact": "090-1234-5678", "case_number": "P-001",
                       "note": "午前中は連絡がつきにくい"}},
         incoming + ".json", args["sender_outbox"])
    wait.until(lambda d: args["person"] in d.find_element(By.ID, "inbox-rows").text)
    check(driver.execute_script("return window.deskNotReloaded === true;"), "the inbox reloaded instead of updating in place")
    seen["appeared_without_reload"] = True
    shot("inbox")

    # Open it: the person's name is there.
    driver.find_element(By.LINK_TEXT, incoming).click()
    wait.until(lambda d: "紹介の詳細" in d.title)
    check(args["person"] in text(), "the detail page does not show the person's name")
    check(driver.execute_script("return document.querySelector('meta[http-equiv]') === null"), "unexpected meta refresh")
    shot("referral")

    # Declining without a reason is refused on the page, and nothing is recorded.
    driver.find_element(By.ID, "answer-decline").click()
    wait.until(lambda d: d.find_elements(By.ID, "decline-reason-error"))
    check("理由を書いてください" in driver.find_element(By.ID, "decline-reason-error").text, "decline without a reason was not refused")
    seen["decline_without_reason_refused"] = True
    shot("referral-refused")

    # A post without the CSRF token is refused.
    driver.execute_script("""
        var form = document.getElementById('answer-accept').form;
        form.querySelector('input[name=csrf]').remove();
        form.submit();""")
    wait.until(lambda d: "403" in d.title)
    check("この送信は受け付けられませんでした" in text(), "a post without the CSRF token was not refused")
    seen["post_without_token_refused"] = True

    # 受け入れる.
    driver.get(base + "/referrals/" + incoming)
    driver.find_element(By.ID, "answer-accept").click()
    wait.until(lambda d: "受け入れを記録しました" in d.find_element(By.TAG_NAME, "main").text)
    seen["accepted"] = True

    # A new referral through the form, to the other worker.
    driver.get(base + "/new")
    driver.find_element(By.ID, "send-referral").click()  # empty: every required field is named
    wait.until(lambda d: d.find_elements(By.ID, "error-summary"))
    check("同意の根拠を選んでください" in driver.find_element(By.ID, "consent_basis-error").text, "missing consent not named at its field")
    shot("new-referral-errors")
    Select(driver.find_element(By.ID, "to")).select_by_value(args["sender"])
    driver.find_element(By.CSS_SELECTOR, "input[name=needs][value=employment]").click()
    Select(driver.find_element(By.ID, "age_band")).select_by_value("30s")
    Select(driver.find_element(By.ID, "sex")).select_by_value("female")
    driver.find_element(By.ID, "municipality").send_keys("高知市")
    Select(driver.find_element(By.ID, "consent_basis")).select_by_value("person")
    driver.execute_script("document.getElementById('consent_obtained_on').value = '2026-11-30';")
    driver.find_element(By.ID, "person_name").send_keys(args["new_person"])
    driver.find_element(By.ID, "person_contact").send_keys("088-000-0000")
    seen["new_id"] = driver.find_element(By.NAME, "id").get_attribute("value")
    shot("new-referral")
    driver.find_element(By.ID, "send-referral").click()
    wait.until(lambda d: "/sent" in d.current_url)
    wait.until(lambda d: seen["new_id"] in d.find_element(By.TAG_NAME, "main").text or d.refresh())
    shot("sent")

    driver.get(base + "/rejected")
    check(args["rejected_file"] in text(), "the rejected file is not listed")
    shot("rejected")

    # Everything reachable by keyboard: the first Tab lands on the skip link.
    driver.get(base + "/inbox")
    driver.find_element(By.TAG_NAME, "body").send_keys("\ue004")
    check(driver.switch_to.active_element.get_attribute("class") == "skip", "the skip link is not the first stop")

    # After logout the detail page needs a login again.
    driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait.until(lambda d: "/login" in d.current_url)
    driver.get(base + "/referrals/" + incoming)
    wait.until(lambda d: "/login" in d.current_url)
    check(args["person"] not in text(), "the person's name is shown after logout")
    seen["logout_needs_login"] = True
    print(json.dumps({"ok": True, "seen": seen}, ensure_ascii=False))
finally:
    driver.quit()
