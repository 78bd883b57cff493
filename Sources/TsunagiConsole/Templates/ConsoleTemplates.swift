/// The console's swift-mustache templates: each page's body (the web layer's layout puts the site
/// header, navigation and title around it). `{{x}}` is HTML-escaped. The pages are Japanese
/// whatever the layout's language, so each body says `lang="ja"`.
enum ConsoleTemplates {
    static let all: [String: String] = [
        "console.unacknowledged": unacknowledged,
        "console.unacknowledged.live": unacknowledgedLive,
        "console.history": history,
        "console.report": report,
        "console.reconcile": reconcile,
        "console.connections": connections,
    ]

    static let unacknowledged = """
    <div lang="ja">
    <p>紹介先がまだ受入も辞退もしていない紹介（送信済・到着済）と、紹介先が本人情報を開封できず送信元の封緘し直しと再送を待っている紹介（開封不能）です。期限を過ぎたものを先に、古い順に並べます。経過と期限は営業日（土日・祝日・12月29日〜1月3日を除く）で数えます。</p>
    <form method="get" action="/" class="filters" aria-labelledby="filters-title">
    <h2 id="filters-title">絞り込み</h2>
    <div class="field{{#agencyError}} has-error{{/agencyError}}">
    <label for="agency">機関（紹介元または紹介先）</label>
    <select id="agency" name="agency"{{#agencyError}} aria-invalid="true" aria-describedby="agency-error"{{/agencyError}}>
    {{#agencyOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
    {{/agencyOptions}}</select>
    {{#agencyError}}<p class="field-error" id="agency-error">{{.}}</p>{{/agencyError}}
    </div>
    <div class="field{{#regionError}} has-error{{/regionError}}">
    <label for="region">地域（紹介先の地域）</label>
    <select id="region" name="region"{{#regionError}} aria-invalid="true" aria-describedby="region-error"{{/regionError}}>
    {{#regionOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
    {{/regionOptions}}</select>
    {{#regionError}}<p class="field-error" id="region-error">{{.}}</p>{{/regionError}}
    </div>
    <div class="field{{#stateError}} has-error{{/stateError}}">
    <label for="state">状態</label>
    <select id="state" name="state"{{#stateError}} aria-invalid="true" aria-describedby="state-error"{{/stateError}}>
    {{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
    {{/stateOptions}}</select>
    {{#stateError}}<p class="field-error" id="state-error">{{.}}</p>{{/stateError}}
    </div>
    <div class="field">
    <input type="checkbox" id="overdue" name="overdue" value="1"{{#overdueOnly}} checked{{/overdueOnly}}>
    <label for="overdue" class="inline">期限を過ぎたものだけ</label>
    </div>
    <p><button type="submit">絞り込む</button> <a href="/">条件を外す</a></p>
    </form>
    <h2 id="list-title">一覧</h2>
    <p class="muted">この一覧は開いている間、数秒ごとに新しい状態に置き換わります（再読み込みは不要です）。</p>
    <div id="unacknowledged" data-live="{{liveURL}}">
    {{> console.unacknowledged.live}}
    </div>
    </div>
    """

    /// The part the live script replaces: the count and the table.
    static let unacknowledgedLive = """
    <p id="unacknowledged-summary"><strong>{{count}}件</strong>が未応答、うち<strong>{{overdueCount}}件が期限超過</strong>です{{#undeliverable}}（開封不能の<strong>{{count}}件</strong>を含みます）{{/undeliverable}}（{{today}}現在）。</p>
    <table aria-labelledby="list-title">
    <thead><tr><th scope="col">紹介ID</th><th scope="col">紹介元</th><th scope="col">紹介先</th><th scope="col">地域</th><th scope="col">支援の必要</th><th scope="col">状態</th><th scope="col">作成日</th><th scope="col">経過</th><th scope="col">応答期限</th></tr></thead>
    <tbody>
    {{#rows}}<tr{{#overdue}} class="overdue"{{/overdue}}><td><a href="{{link}}">{{id}}</a></td><td>{{fromName}}</td><td>{{toName}}</td><td>{{region}}</td><td>{{needs}}</td><td>{{state}}</td><td>{{createdDay}}</td><td>{{ageBusinessDays}}営業日</td><td>{{dueDay}} {{#overdue}}<span class="badge badge-overdue">期限超過</span> {{/overdue}}{{dueText}}</td></tr>
    {{/rows}}{{^rows}}<tr><td colspan="9">条件に合う未応答の紹介はありません。</td></tr>
    {{/rows}}</tbody>
    </table>
    {{#pager}}<nav aria-label="一覧のページ"><p>{{first}}〜{{last}}件目を表示。{{#previous}}<a href="{{.}}">前の200件</a> {{/previous}}{{#next}}<a href="{{.}}">次の200件</a>{{/next}}</p></nav>{{/pager}}
    """

    static let history = """
    <div lang="ja">
    <p>紹介の経路と、いつ・どの機関（の担当者）が何をしたかの記録です。本人の氏名・連絡先などは紹介先の機関だけが見られるため、ここには表示しません。</p>
    {{#overdue}}<p class="alert">この紹介は応答期限を過ぎています。</p>{{/overdue}}
    <h2>紹介の内容</h2>
    <dl class="facts">
    {{#facts}}<dt>{{label}}</dt><dd>{{value}}</dd>
    {{/facts}}</dl>
    <h2 id="events-title">履歴</h2>
    <table aria-labelledby="events-title">
    <thead><tr><th scope="col">番号</th><th scope="col">日時</th><th scope="col">状態</th><th scope="col">機関</th><th scope="col">担当者</th><th scope="col">理由・結果</th></tr></thead>
    <tbody>
    {{#events}}<tr><td>{{number}}</td><td>{{at}}</td><td>{{state}}</td><td>{{actor}}</td><td>{{staff}}</td><td>{{detail}}</td></tr>
    {{/events}}</tbody>
    </table>
    <p><a href="/">未応答の紹介へ戻る</a></p>
    </div>
    """

    static let report = """
    <div lang="ja">
    <form method="get" action="/report">
    <div class="field{{#error}} has-error{{/error}}">
    <label for="period">期間</label>
    <p class="hint" id="period-hint">R4（令和4年度）、R5.4-R5.7（月の範囲）、2023-04-01..2023-07-31（日付）。空欄なら今年度の今日まで。</p>
    <input type="text" id="period" name="period" value="{{input}}" aria-describedby="period-hint{{#error}} period-error{{/error}}"{{#error}} aria-invalid="true"{{/error}}>
    {{#error}}<p class="field-error" id="period-error">{{.}}</p>{{/error}}
    </div>
    <p><button type="submit">集計する</button></p>
    </form>
    {{^error}}
    <h2 id="report-title">{{periodLabel}}（{{first}}〜{{last}}）</h2>
    <p><a href="/report.csv?{{downloadQuery}}" download>CSVで保存（Excel用、UTF-8 BOM付き）</a>　<a href="/report.json?{{downloadQuery}}" download>JSONで保存</a></p>
    <p class="muted">他機関へのつなぎは、紹介先が受け入れた（または完了した）紹介を、つながった先の数で数えます（一人を三つの機関につないだら3）。紹介先が辞退したもの、取り下げたもの、回答待ちのものは別の欄に数え、つなぎには含めません。</p>
    <table aria-labelledby="report-title">
    <thead><tr><th scope="col">機関</th><th scope="col">圏域</th><th scope="col">他機関へのつなぎ（つながった先数）</th><th scope="col">紹介先が辞退</th><th scope="col">取り下げ</th><th scope="col">回答待ち</th><th scope="col">他機関からの紹介（受付）</th><th scope="col">受入</th><th scope="col">辞退</th><th scope="col">完了</th><th scope="col">完了の内訳</th></tr></thead>
    <tbody>
    {{#rows}}<tr><th scope="row">{{name}}</th><td>{{region}}</td><td>{{referralsOut}}</td><td>{{declinedOut}}</td><td>{{withdrawnOut}}</td><td>{{awaitingOut}}</td><td>{{referralsIn}}</td><td>{{accepted}}</td><td>{{declined}}</td><td>{{completed}}</td><td>{{outcomes}}</td></tr>
    {{/rows}}</tbody>
    {{#total}}<tfoot><tr><th scope="row">{{name}}</th><td></td><td>{{referralsOut}}</td><td>{{declinedOut}}</td><td>{{withdrawnOut}}</td><td>{{awaitingOut}}</td><td>{{referralsIn}}</td><td>{{accepted}}</td><td>{{declined}}</td><td>{{completed}}</td><td></td></tr></tfoot>{{/total}}
    </table>
    {{#breakdowns}}
    <h3 id="breakdown-{{id}}">{{title}}</h3>
    <table aria-labelledby="breakdown-{{id}}">
    <thead><tr><th scope="col">区分</th><th scope="col">紹介</th><th scope="col">つなぎ（受入・完了）</th><th scope="col">辞退</th><th scope="col">取り下げ</th><th scope="col">回答待ち</th></tr></thead>
    <tbody>
    {{#tallies}}<tr><th scope="row">{{name}}</th><td>{{referrals}}</td><td>{{connected}}</td><td>{{declined}}</td><td>{{withdrawn}}</td><td>{{awaiting}}</td></tr>
    {{/tallies}}</tbody>
    {{#total}}<tfoot><tr><th scope="row">{{name}}</th><td>{{referrals}}</td><td>{{connected}}</td><td>{{declined}}</td><td>{{withdrawn}}</td><td>{{awaiting}}</td></tr></tfoot>{{/total}}
    </table>
    {{/breakdowns}}
    {{/error}}
    </div>
    """

    static let reconcile = """
    <div lang="ja">
    <p>毎晩の突合（各機関の台帳とルーターの記録の照合）の結果です。新しい日から {{limit}} 日分を表示します。</p>
    {{#unreadable}}<p class="alert">読めない結果ファイルがあります: {{.}}（{{folder}}）</p>{{/unreadable}}
    {{^nights}}<p>突合の結果はまだありません。<code>tsunagi reconcile</code> が毎晩 {{folder}} に結果を残します。</p>{{/nights}}
    {{#nights}}
    <section aria-labelledby="night-{{day}}">
    <h2 id="night-{{day}}">{{day}} の突合（{{recordedAt}} 実行）</h2>
    <p>ルーターの紹介 {{referrals}}件、台帳報告 {{reports}}機関。{{#agree}}<span class="badge">一致</span> {{/agree}}{{summary}}</p>
    {{#hasItems}}
    <table aria-labelledby="night-{{day}}">
    <thead><tr><th scope="col">食い違い</th><th scope="col">紹介ID</th><th scope="col">機関</th><th scope="col">相手の機関</th><th scope="col">ルーターの状態</th><th scope="col">台帳の状態</th><th scope="col">対応</th></tr></thead>
    <tbody>
    {{#items}}<tr><td>{{kind}}</td><td>{{#referralLink}}<a href="{{.}}">{{referral}}</a>{{/referralLink}}</td><td>{{agency}}</td><td>{{counterpart}}</td><td>{{routerState}}</td><td>{{ledgerState}}</td><td>{{repair}}</td></tr>
    {{/items}}</tbody>
    </table>
    {{/hasItems}}
    </section>
    {{/nights}}
    </div>
    """

    static let connections = """
    <div lang="ja">
    <p>各機関のワーカー（機関のパソコンで動くつなぎの窓口）がルーターにつながっているか、そして各機関あてに何が待っているかです。</p>
    {{#routerProblem}}<p class="alert" role="alert">ルーターに接続状況を問い合わせられませんでした。{{.}} 下の「待っているもの」は記録から読んだ最新の数です。</p>{{/routerProblem}}
    {{^routerProblem}}<p>接続中 <strong>{{connectedCount}}</strong> 機関、つながっていない <strong>{{notConnectedCount}}</strong> 機関。</p>{{/routerProblem}}
    <table aria-labelledby="connections-title">
    <caption id="connections-title">機関ごとの接続と待っているもの</caption>
    <thead><tr><th scope="col">機関</th><th scope="col">地域</th><th scope="col">ワーカー</th><th scope="col">いつから</th><th scope="col">最後の通信</th><th scope="col">未配送の紹介</th><th scope="col">未応答の紹介（到着済）</th><th scope="col">未確認の状態通知</th><th scope="col">最も古い紹介の作成日</th></tr></thead>
    <tbody>
    {{#rows}}<tr{{#problem}} class="overdue"{{/problem}}><th scope="row">{{name}}</th><td>{{region}}</td><td>{{#problem}}<span class="badge badge-overdue">要確認</span> {{/problem}}{{status}}</td><td>{{since}}</td><td>{{lastSeen}}</td><td>{{submitted}}</td><td>{{delivered}}</td><td>{{statusUpdates}}</td><td>{{oldest}}</td></tr>
    {{/rows}}</tbody>
    </table>
    </div>
    """
}
