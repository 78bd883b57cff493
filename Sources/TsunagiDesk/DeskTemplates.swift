/// The desk's pages (swift-mustache; `{{x}}` is HTML-escaped). The layout around them is the web
/// layer's. Every field has a label, every table a caption and header cells.
enum DeskTemplates {
    static let all: [String: String] = [
        "desk.inbox": inbox, "desk.inbox.rows": inboxRows, "desk.referral": referral, "desk.new": newReferral,
        "desk.sent": sent, "desk.rejected": rejected,
    ]

    static let inbox = """
    <p>{{intro}}</p>
    <div id="inbox-rows" data-live="{{liveURL}}" aria-live="polite">
    {{> desk.inbox.rows}}
    </div>
    """

    static let inboxRows = """
    <p class="summary">{{summary}}</p>
    {{#hasWaiting}}
    <table class="inbox">
    <caption>{{waitingCaption}}</caption>
    <thead><tr>{{#headings}}<th scope="col">{{.}}</th>{{/headings}}</tr></thead>
    <tbody>
    {{#waiting}}
    <tr{{#overdue}} class="overdue"{{/overdue}}>
    <td class="nowrap"><a href="{{href}}">{{id}}</a></td>
    <td class="nowrap">{{personName}}</td>
    <td>{{from}}</td>
    <td>{{needs}}</td>
    <td class="nowrap">{{ageBand}}</td>
    <td class="nowrap">{{#overdue}}<span class="badge badge-overdue">{{overdueLabel}}</span> {{/overdue}}{{due}}</td>
    <td class="nowrap">{{state}}{{#queued}}<br><span class="muted">{{.}}</span>{{/queued}}</td>
    </tr>
    {{/waiting}}
    </tbody>
    </table>
    {{/hasWaiting}}
    {{#pages}}<nav aria-label="{{label}}"><p>{{#previous}}<a href="{{.}}">{{previousText}}</a> {{/previous}}{{position}}{{#next}} <a href="{{.}}">{{nextText}}</a>{{/next}}</p></nav>{{/pages}}
    {{#hasAccepted}}
    <table class="inbox">
    <caption>{{acceptedCaption}}</caption>
    <thead><tr>{{#acceptedHeadings}}<th scope="col">{{.}}</th>{{/acceptedHeadings}}</tr></thead>
    <tbody>
    {{#accepted}}
    <tr><td class="nowrap"><a href="{{href}}">{{id}}</a></td><td class="nowrap">{{personName}}</td><td>{{from}}</td><td>{{needs}}</td><td class="nowrap">{{acceptedOn}}</td>
    <td class="nowrap">{{state}}{{#queued}}<br><span class="muted">{{.}}</span>{{/queued}}</td></tr>
    {{/accepted}}
    </tbody>
    </table>
    {{/hasAccepted}}
    """

    static let referral = """
    {{#refusals}}<p class="alert" role="alert">{{.}}</p>{{/refusals}}
    <h2 id="routing">{{routingHeading}}</h2>
    <dl class="facts">
    {{#facts}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/facts}}
    </dl>
    <h2 id="person">{{personHeading}}</h2>
    {{#personUnreadable}}<p>{{.}}</p>{{/personUnreadable}}
    <dl class="facts" id="person-facts">
    {{#person}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/person}}
    </dl>
    {{#hasAnswers}}
    <h2 id="answers">{{answersHeading}}</h2>
    <div class="answers">
    {{#accept}}
    <form method="post" action="{{action}}">
    <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="answer" value="accept">
    <p>{{hint}}</p>
    <p><button type="submit" id="answer-accept">{{button}}</button></p>
    </form>
    {{/accept}}
    {{#decline}}
    <form method="post" action="{{action}}" novalidate>
    <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="answer" value="decline">
    <div class="field{{#error}} has-error{{/error}}">
    <label for="decline-reason">{{label}} <span class="required">{{required}}</span></label>
    <textarea id="decline-reason" name="reason" required{{#error}} aria-invalid="true" aria-describedby="decline-reason-error"{{/error}}>{{value}}</textarea>
    {{#error}}<p class="field-error" id="decline-reason-error">{{.}}</p>{{/error}}
    </div>
    <p><button type="submit" id="answer-decline" class="danger">{{button}}</button></p>
    </form>
    {{/decline}}
    {{#complete}}
    <form method="post" action="{{action}}" novalidate>
    <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="answer" value="complete">
    <div class="field{{#error}} has-error{{/error}}">
    <label for="complete-outcome">{{label}} <span class="required">{{required}}</span></label>
    <select id="complete-outcome" name="outcome" required{{#error}} aria-invalid="true" aria-describedby="complete-outcome-error"{{/error}}>
    <option value="">{{choose}}</option>
    {{#outcomes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/outcomes}}
    </select>
    {{#error}}<p class="field-error" id="complete-outcome-error">{{.}}</p>{{/error}}
    </div>
    <p><button type="submit" id="answer-complete">{{button}}</button></p>
    </form>
    {{/complete}}
    {{#withdraw}}
    <form method="post" action="{{action}}" novalidate>
    <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="answer" value="withdraw">
    <div class="field{{#error}} has-error{{/error}}">
    <label for="withdraw-reason">{{label}} <span class="required">{{required}}</span></label>
    <textarea id="withdraw-reason" name="reason" required{{#error}} aria-invalid="true" aria-describedby="withdraw-reason-error"{{/error}}>{{value}}</textarea>
    {{#error}}<p class="field-error" id="withdraw-reason-error">{{.}}</p>{{/error}}
    </div>
    <p><button type="submit" id="answer-withdraw" class="danger">{{button}}</button></p>
    </form>
    {{/withdraw}}
    </div>
    {{/hasAnswers}}
    {{#noAnswers}}<p>{{.}}</p>{{/noAnswers}}
    <h2 id="history">{{historyHeading}}</h2>
    <table>
    <caption class="visually-hidden">{{historyHeading}}</caption>
    <thead><tr>{{#historyHeadings}}<th scope="col">{{.}}</th>{{/historyHeadings}}</tr></thead>
    <tbody>
    {{#history}}<tr><td>{{at}}</td><td>{{state}}</td><td>{{actor}}</td><td>{{detail}}</td></tr>{{/history}}
    </tbody>
    </table>
    <p><a href="{{backHref}}">{{backText}}</a></p>
    """

    static let newReferral = """
    {{#hasErrors}}
    <div class="alert" role="alert" id="error-summary">
    <p>{{errorSummary}}</p>
    <ul>{{#errorList}}<li><a href="#{{field}}">{{label}}: {{message}}</a></li>{{/errorList}}</ul>
    </div>
    {{/hasErrors}}
    <p>{{intro}}</p>
    <form method="post" action="/new" novalidate>
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="id" value="{{id}}">
    <p>{{idLabel}}: <strong>{{id}}</strong></p>
    <h2>{{routingHeading}}</h2>
    {{#fields}}
    {{#isSelect}}
    <div class="field{{#error}} has-error{{/error}}">
    <label for="{{name}}">{{label}}{{#required}} <span class="required">{{requiredText}}</span>{{/required}}</label>
    {{#hint}}<p class="hint" id="{{name}}-hint">{{.}}</p>{{/hint}}
    <select id="{{name}}" name="{{name}}"{{#required}} required{{/required}}{{#error}} aria-invalid="true" aria-describedby="{{name}}-error"{{/error}}>
    <option value="">{{choose}}</option>
    {{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}
    </select>
    {{#error}}<p class="field-error" id="{{name}}-error">{{.}}</p>{{/error}}
    </div>
    {{/isSelect}}
    {{#isChecks}}
    <fieldset class="field{{#error}} has-error{{/error}}" id="{{name}}"{{#error}} aria-describedby="{{name}}-error"{{/error}}>
    <legend>{{label}}{{#required}} <span class="required">{{requiredText}}</span>{{/required}}</legend>
    {{#options}}<label><input type="checkbox" name="{{name}}" value="{{value}}"{{#selected}} checked{{/selected}}> {{label}}</label><br>{{/options}}
    {{#error}}<p class="field-error" id="{{name}}-error">{{.}}</p>{{/error}}
    </fieldset>
    {{/isChecks}}
    {{#isText}}
    <div class="field{{#error}} has-error{{/error}}">
    <label for="{{name}}">{{label}}{{#required}} <span class="required">{{requiredText}}</span>{{/required}}</label>
    {{#hint}}<p class="hint" id="{{name}}-hint">{{.}}</p>{{/hint}}
    <input id="{{name}}" name="{{name}}" type="{{inputType}}" value="{{value}}"{{#required}} required{{/required}}{{#error}} aria-invalid="true" aria-describedby="{{name}}-error"{{/error}}>
    {{#error}}<p class="field-error" id="{{name}}-error">{{.}}</p>{{/error}}
    </div>
    {{/isText}}
    {{#isArea}}
    <div class="field{{#error}} has-error{{/error}}">
    <label for="{{name}}">{{label}}</label>
    <textarea id="{{name}}" name="{{name}}"{{#error}} aria-invalid="true" aria-describedby="{{name}}-error"{{/error}}>{{value}}</textarea>
    {{#error}}<p class="field-error" id="{{name}}-error">{{.}}</p>{{/error}}
    </div>
    {{/isArea}}
    {{#isHeading}}<h2>{{label}}</h2>{{/isHeading}}
    {{/fields}}
    <p><button type="submit" id="send-referral">{{submitText}}</button></p>
    </form>
    """

    static let sent = """
    <p class="summary">{{summary}}</p>
    {{#hasEntries}}
    <table>
    <caption>{{caption}}</caption>
    <thead><tr>{{#headings}}<th scope="col">{{.}}</th>{{/headings}}</tr></thead>
    <tbody>
    {{#entries}}
    <tr{{#refused}} class="overdue"{{/refused}}><td class="nowrap"><a href="{{href}}">{{id}}</a></td><td>{{to}}</td><td>{{created}}</td>
    <td>{{#refused}}<strong>{{refusedLabel}}</strong> {{/refused}}{{state}}{{#detail}}<br><span class="muted">{{.}}</span>{{/detail}}</td></tr>
    {{/entries}}
    </tbody>
    </table>
    {{/hasEntries}}
    """

    static let rejected = """
    <p>{{intro}}</p>
    {{#hasFiles}}
    <table>
    <caption>{{caption}}</caption>
    <thead><tr>{{#headings}}<th scope="col">{{.}}</th>{{/headings}}</tr></thead>
    <tbody>
    {{#files}}<tr><td>{{name}}</td><td>{{when}}</td><td>{{reason}}</td></tr>{{/files}}
    </tbody>
    </table>
    {{/hasFiles}}
    {{^hasFiles}}<p>{{none}}</p>{{/hasFiles}}
    """
}
