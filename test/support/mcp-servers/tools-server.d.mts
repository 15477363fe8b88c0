/** The 1x1 PNG the test server's draw_pixel tool returns, base64. */
export declare const PIXEL_PNG_BASE64: string;
