import "./no-keepalive-sw.js";
import "../extension/sw-src.js";
