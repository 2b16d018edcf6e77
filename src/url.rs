//! The runtime's WHATWG URL parser (`new URL`), the one `fetch` itself uses, so that no
//! hand-written parser can disagree with `fetch` about where a request goes.

use wasm_bindgen::prelude::*;

use crate::js::get;
use crate::request::ParsedUrl;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = URL)]
    type Url;
    #[wasm_bindgen(constructor, js_class = "URL", catch)]
    fn new(url: &JsValue) -> Result<Url, JsValue>;
    #[wasm_bindgen(constructor, js_class = "URL", catch)]
    fn new_with_base(url: &JsValue, base: &JsValue) -> Result<Url, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn protocol(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    fn hostname(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    fn href(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    fn username(this: &Url) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn password(this: &Url) -> JsValue;
}

/// What `new URL(text)` makes of a text; `None` when it is not a URL (or there is no
/// `URL` here).
pub fn parse(text: &JsValue) -> Option<ParsedUrl> {
    read(Url::new(text).ok()?)
}

/// The same, but in a page (or a worker) a relative URL is read against the page's own
/// (`location.href`), as `fetch` would: `baseUrl: "/api/toolhouse"` is the page's server.
pub fn parse_from_page(text: &JsValue) -> Option<ParsedUrl> {
    let location = get(&get(&js_sys::global(), "location"), "href");
    match location.is_string() {
        true => read(Url::new_with_base(text, &location).ok()?),
        false => parse(text),
    }
}

fn read(url: Url) -> Option<ParsedUrl> {
    let filled = |v: JsValue| v.as_string().is_some_and(|s| !s.is_empty());
    Some(ParsedUrl {
        protocol: url.protocol(),
        hostname: url.hostname(),
        href: url.href(),
        credentials: filled(url.username()) || filled(url.password()),
    })
}
