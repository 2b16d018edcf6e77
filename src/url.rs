//! The runtime's WHATWG URL parser (`new URL`), the one `fetch` itself uses, so that no
//! hand-written parser can disagree with `fetch` about where a request goes.

use wasm_bindgen::prelude::*;

use crate::request::ParsedUrl;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = URL)]
    type Url;
    #[wasm_bindgen(constructor, js_class = "URL", catch)]
    fn new(url: &JsValue) -> Result<Url, JsValue>;
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
    let url = Url::new(text).ok()?;
    let filled = |v: JsValue| v.as_string().is_some_and(|s| !s.is_empty());
    Some(ParsedUrl {
        protocol: url.protocol(),
        hostname: url.hostname(),
        href: url.href(),
        credentials: filled(url.username()) || filled(url.password()),
    })
}
