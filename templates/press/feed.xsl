{% load i18n static %}<?xml version="1.0" encoding="utf-8"?>
<!-- Shows an RSS 2.0 or Atom feed of this site as a page when a browser opens it.
     Only text is copied out of the feed (no disable-output-escaping), and the
     page loads one same-origin stylesheet: the site's Content-Security-Policy
     allows no inline style or script. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title">
    <xsl:call-template name="text"><xsl:with-param name="node" select="/rss/channel/title | /atom:feed/atom:title"/></xsl:call-template>
  </xsl:variable>
  <xsl:variable name="address" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
  <xsl:variable name="website" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:variable name="items" select="/rss/channel/item | /atom:feed/atom:entry"/>

  <xsl:template match="/">
    <html lang="{{ lang }}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> ({% translate "feed" %})</title>
        <link rel="icon" href="{% static 'favicon.svg' %}" type="image/svg+xml"/>
        <link rel="stylesheet" href="{% static 'css/site.css' %}"/>
        <link rel="stylesheet" href="{% static 'feeds/feed.css' %}"/>
      </head>
      <body>
        <header class="site-header">
          <div class="wrap header-row">
            <a class="brand" href="{% url 'home' %}">
              <span class="brand-mark" aria-hidden="true">{{ site_short_name }}</span>
              <span class="brand-name">{{ site_name }}</span>
            </a>
          </div>
        </header>
        <main class="wrap feed-page">
          <div class="about-feed">
            <p><strong>{% translate "This is a feed." %}</strong><xsl:text> </xsl:text>{% translate "Copy its address into your news reader to be told of new releases as they are published." %}</p>
            <p class="feed-address"><code><xsl:value-of select="$address"/></code></p>
          </div>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="website-link"><a href="{$website}">{% translate "See these releases on the website" %}</a></p>
          <xsl:choose>
            <xsl:when test="$items">
              <ol class="feed-items">
                <xsl:apply-templates select="$items"/>
              </ol>
            </xsl:when>
            <xsl:otherwise>
              <p class="no-items">{% translate "No releases in this feed yet." %}</p>
            </xsl:otherwise>
          </xsl:choose>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <xsl:call-template name="entry">
      <xsl:with-param name="title" select="title"/>
      <xsl:with-param name="link" select="link"/>
      <xsl:with-param name="date" select="pubDate"/>
      <xsl:with-param name="summary" select="description"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="atom:entry">
    <xsl:call-template name="entry">
      <xsl:with-param name="title" select="atom:title"/>
      <xsl:with-param name="link" select="atom:link[@rel='alternate']/@href"/>
      <xsl:with-param name="date" select="(atom:published | atom:updated)[1]"/>
      <xsl:with-param name="summary" select="atom:summary"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="entry">
    <xsl:param name="title"/>
    <xsl:param name="link"/>
    <xsl:param name="date"/>
    <xsl:param name="summary"/>
    <li>
      <article>
        <h2><a href="{$link}"><xsl:call-template name="text"><xsl:with-param name="node" select="$title"/></xsl:call-template></a></h2>
        <p class="date"><xsl:call-template name="day"><xsl:with-param name="date" select="string($date)"/></xsl:call-template></p>
        <xsl:if test="string($summary)">
          <p class="summary"><xsl:call-template name="text"><xsl:with-param name="node" select="$summary"/></xsl:call-template></p>
        </xsl:if>
      </article>
    </li>
  </xsl:template>

  <!-- The plain text a title or summary holds. Atom's are text as they
       stand; RSS's are that text escaped as HTML (what RSS readers expect,
       press/feeds.py): the escapes, only &amp; &lt; &gt;, are undone here,
       &amp; last so "&amp;lt;" comes back as the "&lt;" that was written,
       and the result is still copied out as text. -->
  <xsl:template name="text">
    <xsl:param name="node"/>
    <xsl:choose>
      <xsl:when test="/rss">
        <xsl:call-template name="replace">
          <xsl:with-param name="from" select="'&amp;amp;'"/>
          <xsl:with-param name="to" select="'&amp;'"/>
          <xsl:with-param name="text">
            <xsl:call-template name="replace">
              <xsl:with-param name="from" select="'&amp;gt;'"/>
              <xsl:with-param name="to" select="'&gt;'"/>
              <xsl:with-param name="text">
                <xsl:call-template name="replace">
                  <xsl:with-param name="from" select="'&amp;lt;'"/>
                  <xsl:with-param name="to" select="'&lt;'"/>
                  <xsl:with-param name="text" select="string($node)"/>
                </xsl:call-template>
              </xsl:with-param>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$node"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="substring-before($text, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A release's day as the site's pages write it in the page's language
       ("17 May 2024", "17. Mai 2024", "17 мая 2024 г."), from either RSS's
       "Fri, 17 May 2024 10:00:00 +0200" or Atom's "2024-05-17T10:00:00+02:00". -->
  <xsl:template name="day">
    <xsl:param name="date"/>
    <xsl:choose>
      <xsl:when test="substring($date, 4, 1) = ','">
        <xsl:call-template name="written">
          <xsl:with-param name="day" select="number(substring($date, 6, 2))"/>
          <xsl:with-param name="month" select="substring($date, 9, 3)"/>
          <xsl:with-param name="year" select="substring($date, 13, 4)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="written">
          <xsl:with-param name="day" select="number(substring($date, 9, 2))"/>
          <xsl:with-param name="month" select="substring($date, 6, 2)"/>
          <xsl:with-param name="year" select="substring($date, 1, 4)"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The parts of the language's date format, in its order (press.feeds.date_parts). -->
  <xsl:template name="written">
    <xsl:param name="day"/>
    <xsl:param name="month"/>
    <xsl:param name="year"/>{% for part in date_parts %}{% if part.kind == "day" %}
    <xsl:value-of select="{% if part.padded %}format-number($day, '00'){% else %}$day{% endif %}"/>{% elif part.kind == "month" %}
    <xsl:call-template name="month"><xsl:with-param name="key" select="$month"/></xsl:call-template>{% elif part.kind == "year" %}
    <xsl:value-of select="$year"/>{% else %}
    <xsl:text>{{ part.text }}</xsl:text>{% endif %}{% endfor %}
  </xsl:template>

  <xsl:template name="month">
    <xsl:param name="key"/>
    <xsl:choose>{% for month in months %}
      <xsl:when test="$key = '{{ month.number }}' or $key = '{{ month.abbr }}'">{{ month.name }}</xsl:when>{% endfor %}
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
